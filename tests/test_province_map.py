"""The national dashboard's map of completion by province: the vendored shapes cover the 77
provinces exactly once, the colour scale, and the page (links, classes, attribution, scope)."""

from __future__ import annotations

import csv
import re

from ldptrain.db import get_session
from ldptrain.models import Role, RoleAssignment
from ldptrain.resources import DATA
from ldptrain.services.reports import Figures, province_map

from .test_dashboard_pages import login, setup  # noqa: F401 (the fixture)


def _reference_codes() -> list[str]:
    with (DATA / "provinces.csv").open(encoding="utf-8", newline="") as fh:
        return [row["code"] for row in csv.DictReader(fh)]


def test_every_province_has_exactly_one_shape_and_every_shape_a_province() -> None:
    codes = _reference_codes()
    assert len(codes) == len(set(codes)) == 77
    _, locations = province_map.geometry()
    ids = [svg_id for svg_id, _, _ in locations]
    assert len(ids) == len(set(ids))
    provinces = [i for i in ids if i not in province_map.WATER]
    assert set(provinces) == set(province_map.SVG_TO_CODE)  # no shape unmapped, no stale id
    mapped = [province_map.SVG_TO_CODE[i] for i in provinces]
    assert sorted(mapped) == sorted(codes)  # each province once, nothing unknown
    assert province_map.WATER <= set(ids)


def test_hand_mapping_agrees_with_the_package_names_where_they_are_spelled_alike() -> None:
    english = {code: en for code, (_, en) in province_map.reference_names().items()}
    differ = {(name, english[province_map.SVG_TO_CODE[i]])
              for i, name, _ in province_map.geometry()[1] if i in province_map.SVG_TO_CODE
              and name != english[province_map.SVG_TO_CODE[i]]}
    assert differ == {("Buriram", "Buri Ram"), ("Phangnga", "Phang Nga")}


def test_colour_scale_has_five_steps_and_a_class_for_no_enrolments() -> None:
    cases = {None: "map-none", 0.0: "map-1", 0.199: "map-1", 0.2: "map-2", 0.5: "map-3",
             0.6: "map-4", 0.8: "map-5", 1.0: "map-5"}
    assert {rate: province_map.colour_class(rate) for rate in cases} == cases
    steps = province_map.STEPS
    assert [s.css_class for s in steps] == [f"map-{i}" for i in range(1, 6)]
    assert steps[0].low == 0 and steps[-1].high is None
    assert all(a.high == b.low for a, b in zip(steps, steps[1:], strict=False))


def test_build_is_pure_and_uses_the_figures_given() -> None:
    found = {"50": Figures(key="50", enrolments=4, completions=3), "57": Figures(key="57")}
    built = province_map.build(found, {"50": "Chiang Mai (db)"}, "en")
    by_code = {s.code: s for s in built.shapes}
    assert len(by_code) == len(built.shapes) == 77
    cm = by_code["50"]
    assert (cm.name, cm.rate, cm.css_class, cm.linked) == ("Chiang Mai (db)", 0.75, "map-4", True)
    assert by_code["57"].css_class == "map-none" and by_code["57"].rate is None
    assert by_code["10"].name == "Bangkok" and not by_code["10"].linked  # reference-list name
    assert province_map.build({}, {}, "th").shapes[0].name == "กรุงเทพมหานคร"
    assert built.view_box == "0 0 560 1025" and len(built.water) == 1


def _shape(html: str, code: str) -> str:
    found = re.search(rf'<use class="([^"]+)" data-code="{code}"', html)
    assert found, f"no shape for {code}"
    return found.group(1)


def test_national_dashboard_draws_one_linked_shape_per_province(setup) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    app, world, people, prefix = setup
    client = app.test_client()
    login(client, prefix, "admin@example.org")
    html = client.get(f"{prefix}/dashboard/?course=course-k&view=attribution").get_data(
        as_text=True)
    assert 'class="province-map"' in html
    codes = re.findall(r'<use class="map-[^"]+" data-code="(\d\d)"', html)
    assert sorted(codes) == sorted(_reference_codes())
    # Chiang Mai, course K: u1 and u3 completed, u2 in progress -> 2/3 -> 60-80 %.
    assert _shape(html, "50") == "map-4"
    # Chiang Rai, course K: u5 completed under C -> 1/1.
    assert _shape(html, "57") == "map-5"
    assert _shape(html, "10") == "map-none"  # Bangkok: nobody enrolled (and no row: no link)
    link = (f'<a href="{prefix}/dashboard/province/50?course=course-k&amp;view=attribution" '
            f'tabindex="-1"><use class="map-4" data-code="50"')
    assert link in html
    assert f'{prefix}/dashboard/province/10' not in html
    assert "<title>เชียงใหม่: อัตราการเรียนจบ 66.7%" in html
    assert 'aria-hidden="true"' in html  # the table below is the accessible form
    assert "vendor/svg-maps-thailand/LICENSE.md" in html and "CC BY 4.0" in html
    assert "@svg-maps/thailand" in html
    licence = client.get(f"{prefix}/static/vendor/svg-maps-thailand/LICENSE.md")
    assert licence.status_code == 200 and b"Attribution 4.0" in licence.data

    people["admin"].language = "en"  # the account's saved language
    get_session().commit()
    page = client.get(f"{prefix}/dashboard/?course=course-k").get_data(as_text=True)
    assert ("<title>Chiang Mai: 66.7% of enrolments completed (2 of 3)</title>" in page
            and "<title>Bangkok: no enrolments</title>" in page)
    assert "Completion rate by province" in page and "No enrolments" in page


def test_all_courses_counts_every_enrolment(setup) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    app, world, people, prefix = setup
    client = app.test_client()
    login(client, prefix, "admin@example.org")
    html = client.get(f"{prefix}/dashboard/").get_data(as_text=True)
    # Chiang Rai, all courses: u5 completed K, u6 withdrew from L -> 1/2 -> 40-60 %.
    assert _shape(html, "57") == "map-3"


def test_no_map_outside_country_scope(setup) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    app, world, people, prefix = setup
    officer = app.test_client()
    login(officer, prefix, "officer@example.org")
    page = officer.get(f"{prefix}/dashboard/", follow_redirects=True).get_data(as_text=True)
    assert "province-map" not in page and "data-code=" not in page

    # An officer of two provinces sees the overview, but no map (and no other province's figures).
    get_session().add(RoleAssignment(user_id=people["officer"].id,
                                     role=Role.PROVINCIAL_OFFICER, province_code="50"))
    get_session().commit()
    overview = officer.get(f"{prefix}/dashboard/")
    page = overview.get_data(as_text=True)
    assert overview.status_code == 200 and "เชียงใหม่" in page
    assert "province-map" not in page and "data-code=" not in page

    coordinator = app.test_client()
    login(coordinator, prefix, "coord@example.org")
    page = coordinator.get(f"{prefix}/dashboard/", follow_redirects=True).get_data(as_text=True)
    assert "province-map" not in page


def test_map_shapes_are_one_cached_file_not_inline(setup) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    app, world, people, prefix = setup
    client = app.test_client()
    login(client, prefix, "admin@example.org")
    html = client.get(f"{prefix}/dashboard/").get_data(as_text=True)
    # The page names each shape by URL; the 175 KB of geometry is not in it.
    assert len(html.encode()) < 100_000 and " d=\"M" not in html
    hrefs = set(re.findall(r'<use class="map-[^"]+" data-code="\d\d" href="([^"#]+)#p\d\d"', html))
    assert len(hrefs) == 1
    url = hrefs.pop().replace("&amp;", "&")
    assert re.search(r"/dashboard/provinces\.svg\?v=[0-9a-f]{12}$", url)
    shapes = app.test_client().get(url)  # public geometry: no sign-in needed
    assert shapes.status_code == 200 and shapes.mimetype == "image/svg+xml"
    assert shapes.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    ids = re.findall(rb'<path id="(p\d\d|water)"', shapes.data)
    assert sorted(i.decode()[1:] for i in ids if i != b"water") == sorted(_reference_codes())
    assert b"water" in ids
    again = client.get(url, headers={"If-None-Match": shapes.headers["ETag"]})
    assert again.status_code == 304


def test_compact_paths_round_each_point_where_it_is_not_step_by_step() -> None:
    # Ten steps of 0.04 end 0.4 further on; rounding each step would put the end at 0.0.
    d = "m 10.04,20 " + " ".join(["0.04,0"] * 10) + " z m 1,1 0,0 2.26,0 z"
    assert province_map.compact_path(d) == "m 10,20 0.1,0 0.1,0 0.1,0 0.1,0 z m 1,1 2.3,0 z"
    _, locations = province_map.geometry()
    whole = sum(len(p) for _, _, p in locations)
    assert len(province_map.shapes_svg()) < 0.85 * whole
