"""`flask orgs import-official`: provinces and communes from the vietnam-provinces package."""

import pytest
from sqlalchemy import func, select

from portal.orgs import official, services
from portal.orgs.models import Unit, UnitLineage

DONG_NAI_UNITS = 1 + 95  # the province and its communes, wards and special zones


def _count(db):
    return db.session.scalar(select(func.count()).select_from(Unit))


@pytest.mark.parametrize(
    "query", ["75", "Đồng Nai", "dong nai", "  ĐỒNG   nai ", "Tỉnh Đồng Nai", "tinh dong nai"]
)
def test_province_found_by_code_or_any_spelling_of_its_name(query):
    assert int(official.find_province(query).code) == 75


@pytest.mark.parametrize("query", ["1", "01", "Hà Nội", "ha noi", "Thành phố Hà Nội", "TP Hà Nội"])
def test_cities_found_with_or_without_their_title(query):
    assert official.province_code(official.find_province(query)) == "01"


@pytest.mark.parametrize("query", ["", "Atlantis", "00", "750"])
def test_unknown_province_is_none(query):
    assert official.find_province(query) is None


def test_import_loads_the_province_and_its_communes(db):
    result = official.import_province("dong nai")
    db.session.commit()
    assert dict(result.counts) == {"created": DONG_NAI_UNITS, "updated": 0, "unchanged": 0}
    province = services.get_unit_by_code("75")
    assert (province.name, province.kind, province.official) == ("Tỉnh Đồng Nai", "province", True)
    bien_hoa = services.get_unit_by_code("26068")
    assert (bien_hoa.name, bien_hoa.kind, bien_hoa.parent_id) == (
        "Phường Biên Hòa",
        "ward",
        province.id,
    )
    assert services.get_unit_by_code("26248").kind == "commune"
    assert len(services.list_communes("75")) == 95
    assert all(len(u.code) == 5 for u in services.list_communes("75"))


def test_special_zones_and_city_names(db):
    official.import_province("Quảng Ninh")
    kinds = {u.kind for u in services.list_communes("22")}
    assert "special_zone" in kinds
    result = official.import_province("01")
    assert result.province.name == "Thành phố Hà Nội" and result.province.code == "01"


def test_import_is_idempotent_and_follows_official_renames(db):
    official.import_province("75")
    db.session.commit()
    bien_hoa = services.get_unit_by_code("26068")
    services.rename_unit(bien_hoa, "Phường Biên Hoà cũ")
    db.session.commit()
    result = official.import_province("Đồng Nai")
    db.session.commit()
    assert dict(result.counts) == {"created": 0, "updated": 1, "unchanged": DONG_NAI_UNITS - 1}
    assert services.get_unit_by_code("26068").name == "Phường Biên Hòa"
    notes = db.session.scalars(select(UnitLineage.note).where(UnitLineage.event == "rename"))
    assert list(notes) == ["Phường Biên Hòa", "Phường Biên Hoà cũ"]
    assert _count(db) == DONG_NAI_UNITS


def test_unknown_province_is_an_error(db):
    with pytest.raises(services.UnitError, match="Không tìm thấy"):
        official.import_province("Atlantis")


# The command


def test_command_prints_counts_and_is_idempotent(runner, db):
    first = runner.invoke(args=["orgs", "import-official", "--province", "Tỉnh Đồng Nai"])
    assert first.exit_code == 0, first.output
    assert (
        first.output.strip() == f"Tỉnh Đồng Nai (75): created {DONG_NAI_UNITS}, updated 0, "
        "unchanged 0"
    )
    again = runner.invoke(args=["orgs", "import-official", "--province", "75"])
    assert again.exit_code == 0
    assert f"created 0, updated 0, unchanged {DONG_NAI_UNITS}" in again.output
    assert _count(db) == DONG_NAI_UNITS


def test_command_refuses_an_unknown_province(runner, db):
    result = runner.invoke(args=["orgs", "import-official", "--province", "Atlantis"])
    assert result.exit_code == 1
    assert "Không tìm thấy tỉnh, thành phố “Atlantis”" in result.stderr
    assert _count(db) == 0
