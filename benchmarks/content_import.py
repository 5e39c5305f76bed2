"""Benchmark the content import: first import vs an unchanged re-import.

Generates COURSES x MODULES x 2 languages of module Markdown and QUESTIONS questions (Thai and
English) into a temp folder, imports them into a fresh database, then imports them again
unchanged. The re-import compares content hashes and skips rendering and writing, so it should be
at least 5x faster. Baseline printed beside it: `content check` alone (read + validate, no DB).

    python benchmarks/content_import.py [--quick] [--database-url URL]
Last line: RESULT content_import: first_files_per_s=... reimport_files_per_s=... speedup=...
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000"
    "000049454e44ae426082"
)

MODULE_TH = """---
title:
  th: บทที่ {n} การจัดทำแผนพัฒนาท้องถิ่น ส่วนที่ {n}
  en: Module {n} Preparing the local development plan, part {n}
duration: 45
{assessment}---
# บทที่ {n} การจัดทำแผนพัฒนาท้องถิ่น

!!! note "วัตถุประสงค์การเรียนรู้"
    - อธิบายขั้นตอนการจัดทำแผนพัฒนาท้องถิ่นและบทบาทของคณะกรรมการพัฒนาท้องถิ่น
    - เชื่อมโยงแผนกับเป้าหมายการพัฒนาที่ยั่งยืน เป้าหมายที่ 11

## ขั้นตอนที่ ๑ การเตรียมการ

องค์กรปกครองส่วนท้องถิ่นจัดประชุมประชาคมท้องถิ่นเพื่อรับฟังความคิดเห็นของประชาชน
แล้วรวบรวมข้อมูลพื้นฐานสำหรับการวางแผน ดู [บทถัดไป]({next}) และแผนภาพด้านล่าง

![วงจรแผน](images/cycle.png)

| ขั้นตอน | ผู้รับผิดชอบ | ผลลัพธ์ |
|---|---|---|
| ประชาคม | ผู้บริหารท้องถิ่น | ปัญหาและความต้องการ |
| ร่างแผน | คณะกรรมการสนับสนุน | ร่างแผนพัฒนาท้องถิ่น |
| อนุมัติ | ผู้บริหารท้องถิ่น | แผนที่ประกาศใช้ |

## ขั้นตอนที่ ๒ การติดตามและประเมินผล

1. กำหนดตัวชี้วัดและค่าเป้าหมาย
2. ติดตามผลการดำเนินงานทุกปีงบประมาณ[^1]
3. รายงานผลต่อสภาท้องถิ่นและประชาชน

[^1]: ปีงบประมาณเริ่ม 1 ตุลาคม
"""

MODULE_EN = """---
title: Module {n} Preparing the local development plan, part {n}
---
# Module {n}: preparing the local development plan

!!! note "Learning objectives"
    - Explain the steps of preparing a local development plan
    - Link the plan to Sustainable Development Goal 11

## Step 1: preparation

The LAO holds a community forum to hear residents, then gathers the basic data for planning.
See [the next module]({next}) and the diagram below.

![Plan cycle](images/cycle.png)

| Step | Responsible | Result |
|---|---|---|
| Forum | Executive | Problems and needs |
| Draft | Support committee | Draft plan |
| Approval | Executive | Published plan |
"""


def generate(root: Path, courses: int, modules: int, questions: int) -> int:
    per_bank = max(1, questions // courses)
    files = 0
    for c in range(courses):
        slug = f"bench-{c:03d}"
        folder = root / "courses" / slug
        (folder / "images").mkdir(parents=True)
        (folder / "images" / "cycle.png").write_bytes(PNG)
        (folder / "course.md").write_text(
            f"---\nslug: {slug}\ntitle: {{th: หลักสูตรทดสอบ {c}, en: Benchmark course {c}}}\n"
            f'version: "1.0"\nhours: 6\norder: {c}\nfinal_assessment: {slug}-final\n'
            f"certificate: true\n---\nภาพรวมหลักสูตร เริ่มที่ [บทที่ 1](01-m1.md)\n",
            "utf-8",
        )
        files += 1
        for m in range(1, modules + 1):
            nxt = f"{m + 1:02d}-m{m + 1}.md" if m < modules else "course.md"
            quiz = f"assessment: {slug}-final\n" if m == modules else ""
            (folder / f"{m:02d}-m{m}.md").write_text(
                MODULE_TH.format(n=m, next=nxt, assessment=quiz), "utf-8"
            )
            (folder / f"{m:02d}-m{m}.en.md").write_text(MODULE_EN.format(n=m, next=nxt), "utf-8")
            files += 2
        th, en = [], []
        for q in range(per_bank):
            correct = q % 4
            th.append(
                f"## คำถามที่ {q + 1} เรื่องแผนพัฒนาท้องถิ่น ข้อใดถูกต้อง\n{{id=q{q}}}\n\n"
                + "".join(
                    f"- [{'x' if i == correct else ' '}] ตัวเลือกที่ {i + 1} เกี่ยวกับ **แผน** ข้อ {q}\n"
                    for i in range(4)
                )
                + f"\n> คำอธิบาย: ตัวเลือกที่ {correct + 1} ถูกต้องตามระเบียบ\n"
            )
            en.append(
                f"## Question {q + 1} about the local development plan: which is right?\n"
                f"{{id=q{q}}}\n\n"
                + "".join(
                    f"- [{'x' if i == correct else ' '}] Choice {i + 1} about the **plan** {q}\n"
                    for i in range(4)
                )
                + f"\n> Explanation: choice {correct + 1} follows the regulation.\n"
            )
        (root / "assessments").mkdir(exist_ok=True)
        head = (
            f"---\ntitle: {{th: แบบทดสอบ {c}, en: Final test {c}}}\npass_mark: 70\n"
            f"attempts: 3\nfeedback: after_last_attempt\ndraw: {min(15, per_bank)}\n---\n"
        )
        (root / "assessments" / f"{slug}-final.md").write_text(head + "\n".join(th), "utf-8")
        (root / "assessments" / f"{slug}-final.en.md").write_text(
            "---\ntitle: Final test\n---\n" + "\n".join(en), "utf-8"
        )
        files += 2
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small CI-sized run")
    parser.add_argument("--database-url", help="default: a SQLite file in a temp folder")
    args = parser.parse_args()
    courses, modules, questions = (3, 4, 60) if args.quick else (50, 12, 2000)

    from ldptrain import create_app
    from ldptrain.content import load_content
    from ldptrain.db import get_session
    from ldptrain.services import schema
    from ldptrain.services.importer import import_content

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        files = generate(root, courses, modules, questions)
        paths = [str(root / "courses"), str(root / "assessments")]
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(
            {
                "LDPTRAIN_DATABASE_URL": url,
                "LDPTRAIN_IMPORT_BUNDLED": False,
                "LDPTRAIN_SECRET_KEY": "benchmark",
                "TESTING": True,
            },
            instance_path=str(Path(tmp) / "instance"),
        )
        print(
            f"content: {courses} courses x {modules} modules x 2 languages, "
            f"{questions} questions; {files} Markdown files; database {url.split(':')[0]}"
        )
        with app.app_context():
            schema.upgrade(app.extensions["ldptrain"].db.engine)
            session = get_session()
            timings = {}
            for label in ("first", "reimport"):
                start = time.perf_counter()
                result = import_content(paths)
                session.commit()
                timings[label] = time.perf_counter() - start
                assert result.ok, result.problems[:5]
                print(
                    f"{label:9} import: {timings[label]:7.2f} s  {files / timings[label]:8.1f} "
                    f"files/s  ({result})"
                )
            start = time.perf_counter()
            _, problems = load_content(paths, render=False)
            timings["check"] = time.perf_counter() - start
            assert not problems, problems[:5]
            print(
                f"baseline  check only: {timings['check']:7.2f} s  "
                f"{files / timings['check']:8.1f} files/s  (read + validate, no database)"
            )
            speedup = timings["first"] / timings["reimport"]
            print(
                f"unchanged re-import is {speedup:.1f}x faster than the first import (goal >= 5x)"
            )
            print(
                f"RESULT content_import: first_files_per_s={files / timings['first']:.1f} "
                f"reimport_files_per_s={files / timings['reimport']:.1f} speedup={speedup:.1f}"
            )


if __name__ == "__main__":
    main()
