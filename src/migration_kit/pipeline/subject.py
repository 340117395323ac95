"""An access or portability answer (PIPL Art. 45; GDPR Art. 15, 20): one person's own records of
a run, as CSV encrypted to a certificate (CMS, like the handover), for the DPO to pass on.

Example
-------
>>> export_subject("runs/acme/r1", "me.cms", "dpo.pem", phone="138 1234 5678")  # doctest: +SKIP
2
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["export_subject"]


def export_subject(
    run_dir: Path | str,
    out: Path | str,
    certificate: Path | str,
    *,
    phone: str | None = None,
    email: str | None = None,
    id_number: str | None = None,
) -> int:
    """Write the person's records (:func:`~migration_kit.scoping.lookup.subject_records`)
    encrypted to ``certificate``; returns how many records it holds."""
    from cryptography import x509

    from ..handover.cms import encrypt
    from ..runfolder import atomic_path
    from ..scoping.lookup import subject_records

    rows = subject_records(run_dir, phone=phone, email=email, id_number=id_number)
    cert = x509.load_pem_x509_certificate(Path(certificate).read_bytes())
    data = encrypt(rows.to_csv(index=False).encode("utf-8"), [cert])
    with atomic_path(Path(out)) as tmp:
        tmp.write_bytes(data)
    return len(rows)
