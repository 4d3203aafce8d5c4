"""Demo units: the real province of Đồng Nai with its communes, and a few hamlets (idempotent)."""

from portal.orgs import official, services

PROVINCE_CODE = "75"
# commune code: [(hamlet number, name, kind)]
HAMLETS = {
    "26068": [  # Phường Biên Hòa
        ("01", "Tổ dân phố 3", "residential_group"),
        ("02", "Khu phố Bình Minh", "residential_group"),
    ],
    "26248": [  # Xã Trảng Bom
        ("01", "Ấp 1", "hamlet"),
        ("02", "Ấp Bình Minh", "hamlet"),
    ],
    "26368": [  # Xã Long Thành
        ("01", "Ấp Phước Hòa", "hamlet"),
        ("02", "Ấp 3", "hamlet"),
    ],
}


def load(echo):
    result = official.import_province(PROVINCE_CODE)
    added = 0
    for commune_code, hamlets in HAMLETS.items():
        commune = services.get_unit_by_code(commune_code)
        for number, name, kind in hamlets:
            code = f"{PROVINCE_CODE}-{commune_code}-{number}"
            if services.get_unit_by_code(code) is None:
                services.create_unit(name, kind, code, commune)
                added += 1
    counts = result.counts
    echo(
        f"orgs: {result.province.name}: {counts['created']} units created, "
        f"{counts['updated']} updated, {counts['unchanged']} unchanged; "
        f"{added} demo hamlets added"
    )
