"""A small valid course folder, written to disk for tests to read or break."""

import io

from PIL import Image

COURSE_MD = """---
title: Phòng, chống đuối nước cho trẻ em
title_en: Drowning prevention
summary: Giữ trẻ an toàn quanh ao, hồ, sông.
summary_en: Keep children safe near water.
audiences: [staff, collaborator]
minutes: 20
language: vi
certificate: true
validity_months: 12
reviewed: 2026-10-01
topics: [drowning]
sources:
  - "WHO, Preventing drowning: an implementation guide (2017)"
---

Khóa học giúp cán bộ xã giữ trẻ an toàn quanh nước.
"""

LESSON_1 = """---
title: Vì sao trẻ bị đuối nước
minutes: 8
---

Ao nhà ông Sáu cạn nước vào mùa khô.[^1]

![Ao](media/ao.png)

## Điều cần nhớ

- Che đậy bể, lu nước.

[^1]: Căn cứ pháp lý: Luật Trẻ em 2016, Điều 4.
"""

LESSON_2 = """# Sơ cứu đúng cách

!!! warning "Lưu ý"
    Không dốc ngược trẻ.

1. Gọi 115.
2. Thổi ngạt.
"""

QUIZ = """---
pass_mark: 80
questions_per_attempt: 2
shuffle_options: true
---

## Khi trẻ được vớt lên và không thở, việc đầu tiên là gì? {#first-action} {must} {lesson=so-cuu}

- [ ] Dốc ngược trẻ
- [x] Thổi ngạt và gọi 115
- [ ] Chờ

> Dốc ngược trẻ làm mất thời gian quý.

## Nên che đậy những gì? (chọn tất cả đáp án đúng) {#cover} {lesson=vi-sao}

- [x] Lu nước
- [x] Bể nước
- [ ] Cửa sổ

> Trẻ nhỏ có thể ngã vào lu, bể.

## Số điện thoại cấp cứu là số nào? {#emergency-number}

Chọn một số.

- [ ] 113
- [x] 115

> 115 là cấp cứu y tế.
"""

PRE_QUIZ = """## Trẻ nào dễ đuối nước gần nhà? {#pre-age}

- [x] Trẻ dưới 5 tuổi
- [ ] Trẻ 15 tuổi

> Trẻ nhỏ đuối nước ngay trong nhà.
"""

JOB_AID = """---
title: Sơ cứu đuối nước
---

1. Gọi 115.
"""


def png_bytes(size=(40, 30), fmt="PNG"):
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 50, 50)).save(buf, format=fmt)
    return buf.getvalue()


def write_course(root, slug="duoi-nuoc", **overrides):
    """Write the sample course under root/slug; overrides replace or (None) drop files."""
    files = {
        "course.md": COURSE_MD,
        "01-vi-sao.md": LESSON_1,
        "02-so-cuu.md": LESSON_2,
        "quiz.md": QUIZ,
        "pre-quiz.md": PRE_QUIZ,
        "job-aid.md": JOB_AID,
    }
    files.update(overrides)
    folder = root / slug
    (folder / "media").mkdir(parents=True, exist_ok=True)
    (folder / "media" / "ao.png").write_bytes(png_bytes())
    for name, text in files.items():
        if text is not None:
            path = folder / name
            path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder
