"""Certificate PDF generation time once the process is warm (DESIGN §8: under 100 ms).

Usage: .venv/bin/python bench/pdf_speed.py [runs]   Exits non-zero over budget.
"""

import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import _key  # noqa: E402
from portal.certificates import credentials, pdf  # noqa: E402


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    key = _key(None)
    cert = SimpleNamespace(
        code="ABCDEFGHJKMNPQR5",
        holder_name="Nguyễn Thị Ánh Tuyết",
        issuer_name="Tỉnh Đồng Nai",
        course_title="Nhận diện, tiếp nhận và hỗ trợ, can thiệp trẻ em bị xâm hại",
        course_slug="nhan-dien",
        course_version=3,
        status_index=1,
        score=95,
        unit_trail="Tỉnh Đồng Nai / Xã Trảng Bom / Ấp 1",
        issued_at=datetime(2026, 11, 29, tzinfo=UTC),
        expires_at=datetime(2027, 11, 29, tzinfo=UTC),
    )
    item = (
        cert,
        "https://daotao.example.vn/verify/ABCD-EFGH-JKMN-PQR5",
        credentials.compact_claims(cert, pem=key),
        "ABCD-EFGH-JKMN-PQR5",
    )
    pdf.render([item])  # warm: fonts, QR and PDF code loaded
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        pdf.render([item])
        times.append((time.perf_counter() - start) * 1000)
    median, worst = statistics.median(times), max(times)
    print(
        f"certificate PDF: median {median:.0f} ms, max {worst:.0f} ms over {runs} runs "
        f"(budget 100 ms)"
    )
    sys.exit(0 if median < 100 else 1)


if __name__ == "__main__":
    main()
