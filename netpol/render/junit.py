"""JUnit XML for CI test reports (GitLab, Jenkins, Azure DevOps).

lint: one test suite per rule that ran; each finding is a test case, failed when its severity
reaches ``--fail-on``; a rule without findings is one passing case; suppressed findings are skipped
cases. check: one suite, one case per expectation and one per observed flow (class
``netpol.check.flows``).

Names, messages and reasons quote input; every attribute and text goes through
netpol.core.escaping.xml, since ElementTree writes the characters XML 1.0 forbids raw.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from netpol.core.escaping import xml
from netpol.findings.records import Case, CaseKind, FailOn, Finding, Report
from netpol.render.sarif import relative_uri

__all__ = ["render_junit"]


def render_junit(report: Report, *, fail_on: FailOn = FailOn.ERROR, base: str = ".") -> str:
    root = ET.Element("testsuites", name=f"netpol {report.tool}")
    if report.tool == "check":
        suite = _suite(root, f"netpol {report.tool}")
        for case in report.cases:
            classname = "netpol.check.flows" if case.kind is CaseKind.FLOW else "netpol.check"
            _case(suite, case.name, classname, case, fail_on, base)
    else:
        skipped = {id(s.finding): s for s in report.suppressed}
        by_rule: dict[str, list[Finding]] = {r.id: [] for r in report.rules}
        for f in (*report.findings, *(s.finding for s in report.suppressed)):
            by_rule.setdefault(f.rule_id, []).append(f)
        for rule in report.rules:
            suite = _suite(root, f"{rule.id} {rule.slug}")
            classname = f"netpol.lint.{rule.id}"
            findings = by_rule[rule.id]
            if not findings:
                ET.SubElement(suite, "testcase", classname=classname, name=f"{rule.slug}: clean")
            for f in findings:
                name = f"{f.object or rule.slug}" + (f" ({_where(f, base)})" if f.location else "")
                tc = _case(suite, name, classname, Case(name, f.location, f), fail_on, base)
                s = skipped.get(id(f))
                if s is not None:
                    for child in list(tc):
                        tc.remove(child)
                    ET.SubElement(tc, "skipped", message=f"suppressed: {s.reason}")
    _count(root, root.iter("testsuite"))
    _escape(root)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _escape(root: ET.Element) -> None:
    for element in root.iter():
        if element.text is not None:
            element.text = xml(element.text)
        for key, value in element.attrib.items():
            element.set(key, xml(value))


def _suite(root: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=name)


def _where(f: Finding, base: str) -> str:
    assert f.location is not None
    path = relative_uri(f.location.source, base) or f.location.source
    return f"{path}:{f.location.line}" if f.location.line is not None else path


def _case(suite: ET.Element, name: str, classname: str, case: Case, fail_on: FailOn, base: str) -> ET.Element:
    attrs = {"classname": classname, "name": name}
    if case.location is not None:
        attrs["file"] = relative_uri(case.location.source, base) or case.location.source
        if case.location.line is not None:
            attrs["line"] = str(case.location.line)
    tc = ET.SubElement(suite, "testcase", attrs)
    f = case.finding
    if f is None:
        return tc
    where = _where(f, base) if f.location is not None else "(no file)"
    body = f"{where}: {f.severity.value} {f.rule_id}: {f.message}\nfix: {f.hint}"
    body += "".join(f"\nsee: {rel.location.source}:{rel.location.line}: {rel.message}" for rel in f.related)
    if fail_on.reached_by(f.severity):
        failure = ET.SubElement(tc, "failure", message=f.message, type=f.rule_id)
        failure.text = body
    else:
        ET.SubElement(tc, "system-out").text = body
    return tc


def _count(root: ET.Element, suites: Iterable[ET.Element]) -> None:
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        cases = suite.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": sum(c.find("failure") is not None for c in cases),
            "errors": 0,
            "skipped": sum(c.find("skipped") is not None for c in cases),
        }
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
