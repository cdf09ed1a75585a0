"""One way to run a transaction: :func:`transaction`, or :func:`transactional` on a
service method.

Every change the portal makes runs inside one of them: what the block did is
committed when it ends and rolled back when it raises, so nothing is ever half
written. A concurrent change detected at commit (an application's
``row_version`` moved under us) becomes :class:`Conflict`, so the loser of a race
gets a 409 and nothing it did is kept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit what the block did when it ends; roll back everything when it raises.

    :raise Conflict: a concurrent change was detected at commit.
    """
    try:
        yield session
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict(
            N_("Someone else changed this at the same moment. Reload and retry.")
        ) from exc
    except BaseException:
        session.rollback()
        raise


def transactional(
    method: Callable[Concatenate[S, P], R],
) -> Callable[Concatenate[S, P], R]:
    """Run a service method in :func:`transaction` on its ``self.session``."""

    @functools.wraps(method)
    def wrapper(self: S, *args: P.args, **kwargs: P.kwargs) -> R:
        with transaction(self.session):
            return method(self, *args, **kwargs)

    return wrapper
