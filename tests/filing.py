"""Test data and API steps of the ticketing-software filing (P1), shared by the API,
page, certificate and integration tests.

The steps go through the JSON API as an outside program would: the vendor or
agent creates, uploads and submits; the national reviewer decides; the testing
institute uploads its report to its task and records the result.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from tests.helpers import Api, minimal_pdf

CINEMA_SOFTWARE = "cinema_software"
AGENT_SOFTWARE = "agent_software"
# Materials of both variants, then of each (000 §一(一)2 and 4).
COMMON_SLOTS = (
    "application_form",
    "business_licence",
    "commitment_letter",
    "copyright_registration",
)
VARIANT_SLOTS = {
    CINEMA_SOFTWARE: ("requirements_doc", "design_doc", "user_manual"),
    AGENT_SOFTWARE: ("icp_licence",),
}


def filing_data(variant: str = CINEMA_SOFTWARE, **overrides: Any) -> dict[str, Any]:
    """The application data of a filing of ``variant``."""
    data: dict[str, Any] = {
        "variant": variant,
        "product_name": "星光影院票务管理系统"
        if variant == CINEMA_SOFTWARE
        else "星光网络售票平台",
        "version": "V3.2.1",
    }
    if variant == AGENT_SOFTWARE:
        data["data_interface_url"] = "https://api.example.com/national/readonly"
    data.update(overrides)
    return data


def package_zip(marker: str = "build 1") -> bytes:
    """A small but real installation package (a zip archive); ``marker`` varies its digests."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("setup/README.txt", f"星光票务 {marker}\n")
        archive.writestr("setup/install.sh", "#!/bin/sh\necho install\n")
    return buffer.getvalue()


class FilingSteps:
    """The steps of a filing through the API, each asserting it succeeded."""

    def __init__(self, applicant: Api, national: Api, institute: Api) -> None:
        self.applicant = applicant
        self.national = national
        self.institute = institute

    def create(self, variant: str = CINEMA_SOFTWARE, **overrides: Any) -> dict[str, Any]:
        response = self.applicant.post(
            "/api/v1/applications",
            json={"process": "software_filing", "data": filing_data(variant, **overrides)},
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def upload(self, application_id: str, slot: str, content: bytes, filename: str) -> None:
        response = self.applicant.upload(
            f"/api/v1/applications/{application_id}/documents", slot, content, filename
        )
        assert response.status_code == 201, response.get_json()

    def upload_materials(
        self, application_id: str, variant: str, *, package: bytes | None = None
    ) -> None:
        """Every material of ``variant``; the installation package only when given."""
        for slot in (*COMMON_SLOTS, *VARIANT_SLOTS[variant]):
            self.upload(application_id, slot, minimal_pdf(), f"{slot}.pdf")
        if package is not None:
            self.upload(application_id, "install_package", package, "setup.zip")

    def submitted(
        self, variant: str = CINEMA_SOFTWARE, *, package: bytes | None = None, **overrides: Any
    ) -> dict[str, Any]:
        """A submitted filing; a vendor's carries an uploaded package unless
        ``package_url`` is among ``overrides``."""
        if package is None and variant == CINEMA_SOFTWARE and "package_url" not in overrides:
            package = package_zip()
        application = self.create(variant, **overrides)
        self.upload_materials(application["id"], variant, package=package)
        response = self.applicant.post(f"/api/v1/applications/{application['id']}/submit")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def decide(self, application_id: str, decision: str, comment: str = "") -> dict[str, Any]:
        response = self.national.decide(application_id, decision, comment)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def report(
        self,
        application_id: str,
        result: str = "pass",
        *,
        tested_package: bytes | None = None,
        report_number: str = "JC-2026-0815",
    ) -> dict[str, Any]:
        """The testing institute uploads its report (and the package it tested) and
        records ``result``."""
        task = self.institute.open_task(application_id)
        uploads = [("test_report", minimal_pdf(), "report.pdf")]
        if tested_package is not None:
            uploads.append(("tested_package", tested_package, "tested.zip"))
        for slot, content, filename in uploads:
            response = self.institute.upload(
                f"/api/v1/tasks/{task['id']}/documents", slot, content, filename
            )
            assert response.status_code == 201, response.get_json()
        response = self.institute.post(
            f"/api/v1/tasks/{task['id']}/complete",
            json={"data": {"result": result, "report_number": report_number, "comment": "符合"}},
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def filed(
        self, variant: str = CINEMA_SOFTWARE, *, package: bytes | None = None, **overrides: Any
    ) -> dict[str, Any]:
        """A filing taken all the way: submitted, materials approved, tested, filed."""
        application = self.submitted(variant, package=package, **overrides)
        self.decide(application["id"], "approve")
        needs_package = variant == AGENT_SOFTWARE or "package_url" in overrides
        self.report(application["id"], tested_package=package_zip() if needs_package else None)
        return self.decide(application["id"], "approve")
