"""Regenerate the PDF fixtures next to this file (needs /usr/bin/chromium):

    .venv/bin/python tests/data/pdf/make_pdfs.py

Each fixture is a TableSpec of tests/corpus_builder.py printed through headless Chromium;
tests/test_pdf_reader.py reads them back and compares with the same specs (SPECS below).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent.parent))

from tests.corpus_builder import TableSpec  # noqa: E402

LONG = ("- 사업 기간 2022 - 2023 연장 검토 요망, 참여 기관을 늘리고 대상자 발굴 방법을 "
        "다시 살펴 주시기 바랍니다. 특히 읍면동 맞춤형복지팀과의 연계를 강화해 주십시오.")

SPECS = {
    "monitoring-two-pages": TableSpec(
        above=["2022년 제2차 수원시지역사회보장협의체 보건의료분과 회의", "□ 일 시 : 2022. 5. 18.(수) 15:00"],
        header=[["연번", "사업번호", "세부사업명", "담당부서", "2021년도 시행계획 총괄평가", "<"],
                ["^", "^", "^", "^", "분과 의견", "조치결과"]],
        body=[["1", "3-1-2", "방문건강관리", "건강증진과", LONG + "\n- 홍보 강화", ""],
              ["2", "3-1-3", "치매안심센터 운영", "^", "- 잘 운영되고 있음", "완료"],
              ["3", "3-2-1", "정신건강 증진", "정신건강과", "- 상담 인력 확충\n- 야간 상담 검토", "추진중"]],
        page_breaks=[2],
        below=["붙임 자료는 별도 송부"],
    ),
    "audit-follow-up": TableSpec(
        above=["2023년도 행정사무감사 시정요구사항 처리결과", "1. 시정요구사항 (3건)"],
        header=[["연번", "시정요구사항", "처리결과", "비고"]],
        body=[["1", "보건소 방문간호 인력을 확충할 것", "2024년 예산에 2명 반영\n- 채용 절차 진행 중", "추진중"],
              ["2", "치매안심센터 야간 운영 검토", "주 1회 야간 운영 시행", "완료"],
              ["3", "공공의료 협력 체계 마련", "관계 기관 협의 결과 반영 곤란", "추진불가"]],
    ),
    "status-groups-and-marks": TableSpec(
        above=["민선8기 공약사항 추진현황"],
        header=[["연번", "과제명", "추진부서", "추진상황", "<", "<"],
                ["^", "^", "^", "완료", "추진중", "기타"]],
        body=[["Ⅰ. 풍요로운 경제 도시", "<", "<", "<", "<", "<"],
              ["1", "청년 창업 지원", "일자리정책과", "○", "", ""],
              ["2", "전통시장 현대화", "지역경제과", "", "○", ""],
              ["Ⅱ. 살기 좋은 복지 도시", "<", "<", "<", "<", "<"],
              ["1", "어르신 일자리 확대", "노인복지과", "", "○", ""],
              ["계", "<", "<", "1", "2", "0"]],
    ),
}


def main() -> None:
    for name, spec in SPECS.items():
        target = HERE / f"{name}.pdf"
        if not spec.to_pdf(target):
            raise SystemExit("chromium is not installed")
        print(f"wrote {target.name}")


if __name__ == "__main__":
    main()
