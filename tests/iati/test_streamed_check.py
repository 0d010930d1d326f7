"""The activity file is checked against the schema while it is read back
(``iati.schemas.streamed_problems``), as export_iati and publish check it:
a valid file passes, and a file with problems has every one named with its
line, as the check of a whole tree names them."""

from __future__ import annotations

from lxml import etree

from iati.schemas import ACTIVITIES, schema_problems, streamed_problems

VALID = b"""<?xml version='1.0' encoding='utf-8'?>
<iati-activities version="2.03" generated-datetime="2019-03-31T00:00:00+00:00">
  <iati-activity last-updated-datetime="2019-03-31T00:00:00+00:00" default-currency="USD"
      xml:lang="en">
    <iati-identifier>XM-DAC-41114-TESTF</iati-identifier>
    <reporting-org ref="XM-DAC-41114" type="40">
      <narrative>Reporting organisation</narrative>
    </reporting-org>
    <title>
      <narrative>Test fund</narrative>
    </title>
    <description type="1">
      <narrative>Test fund</narrative>
    </description>
    <participating-org role="1">
      <narrative>A donor</narrative>
    </participating-org>
    <activity-status code="2"/>
    <activity-date type="2" iso-date="2019-01-01"/>
    <transaction>
      <transaction-type code="1"/>
      <transaction-date iso-date="2019-02-01"/>
      <value currency="USD" value-date="2019-02-01">100.00</value>
    </transaction>
    <transaction>
      <transaction-type code="1"/>
      <transaction-date iso-date="2019-02-02"/>
      <value currency="USD" value-date="2019-02-02">50.00</value>
    </transaction>
  </iati-activity>
</iati-activities>
"""


def test_a_valid_activity_file_passes_the_streamed_check(tmp_path):
    path = tmp_path / "activities.xml"
    path.write_bytes(VALID)
    assert streamed_problems(path, ACTIVITIES) == []


def test_a_schema_problem_is_named_with_its_line_as_the_whole_tree_check_names_it(tmp_path):
    broken = VALID.replace(b'<transaction-date iso-date="2019-02-02"/>', b"<when/>")
    path = tmp_path / "activities.xml"
    path.write_bytes(broken)
    problems = streamed_problems(path, ACTIVITIES)
    assert problems == schema_problems(etree.parse(str(path)), ACTIVITIES)
    assert len(problems) == 1
    assert problems[0].startswith("line 27: Element 'when'"), problems
