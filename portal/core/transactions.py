"""One transaction per service call."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.core.errors import Conflict
from portal.core.i18n import N_

P = ParamSpec("P")
R = TypeVar("R")


class HasSession(Protocol):
    session: Session


S = TypeVar("S", bound=HasSession)


def transactional(
    method: Callable[Concatenate[S, P], R],
) -> Callable[Concatenate[S, P], R]:
    """Commit when ``method`` returns; roll back everything when it raises.

    A concurrent change detected at commit (the application's ``row_version``
    moved under us) becomes :class:`Conflict`, so the loser of a race gets a
    409 and nothing it did is kept.
    """

    @functools.wraps(method)
    def wrapper(self: S, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = method(self, *args, **kwargs)
            self.session.commit()
        except StaleDataError as exc:
            self.session.rollback()
            raise Conflict(
                N_("Someone else changed this at the same moment. Reload and retry.")
            ) from exc
        except BaseException:
            self.session.rollback()
            raise
        return result

    return wrapper
