"""How tests/data/unseen/2023-audit-reportlab-3-pages.pdf was made (ReportLab 5.1, not a
dependency of tracker: `pip install reportlab` in a scratch environment, then run this in the
folder). Kept for provenance; the tests read the PDF, never run this."""

# ruff: noqa
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

pdfmetrics.registerFont(UnicodeCIDFont("HYSMyeongJo-Medium"))
style = ParagraphStyle("k", fontName="HYSMyeongJo-Medium", fontSize=9, leading=12)
title = ParagraphStyle("t", parent=style, fontSize=14, leading=18)
P = lambda t: Paragraph(t, style)
rows = [["연번", "시정요구사항", "처리결과", "소관부서", "비고"]]
for n in range(1, 41):
    rows.append([str(n), P(f"{n}번째 요구: 위탁 시설 안전 점검을 분기별로 실시하고 결과를 보고할 것 " + "세부 내용 " * (n % 4)),
                 P("점검 계획 수립 완료<br/>1분기 점검 실시" if n % 3 == 0 else ("추진 중" if n % 3 == 1 else "")),
                 "안전총괄과" if n < 20 else "시설관리과", "완료" if n % 3 == 0 else ("추진중" if n % 3 == 1 else "")])
doc = SimpleDocTemplate("2023-audit-reportlab-3-pages.pdf", pagesize=landscape(A4))
table = Table(rows, colWidths=[30, 300, 220, 80, 50], repeatRows=1)
table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                           ("FONTNAME", (0, 0), (-1, -1), "HYSMyeongJo-Medium"),
                           ("VALIGN", (0, 0), (-1, -1), "TOP")]))
doc.build([Paragraph("2023년도 행정사무감사 시정요구사항 처리결과", title),
           Paragraph("감사기간 : 2023. 11. 20. ~ 11. 28.", style),
           Paragraph("복지환경위원회", style), Spacer(1, 12), table])
