"""Why a file was not ingested: a stable code for scripts, Japanese text a clerk can act on."""

from __future__ import annotations

REASONS: dict[str, tuple[str, str]] = {
    # code: (what is wrong, what to ask the member for)
    "corrupt": ("ファイルが破損しているか、途中で切れています", "ファイルの再送付を依頼してください"),
    "encrypted": ("パスワードで保護されていて開けません", "パスワードを解除したファイルの再提出を依頼してください"),
    "not_a_workbook": ("Excel・CSVのファイルではありません", "所定の様式(Excel)での提出を依頼してください"),
    "unreadable_text": ("CSVの文字コードを判別できません", "UTF-8またはShift_JISでの再出力を依頼してください"),
    "unknown_template": ("所定のチェックシートが見つかりません(様式が異なります)", "所定の様式での再提出を依頼してください"),
    "wrong_sector": ("他分野の様式です", "提出先・様式の取り違えがないか確認してください"),
    "empty_checklist": ("回答が1件も入力されていません", "回答を記入した様式の提出を依頼してください"),
    "no_identity": ("法人番号も事業者名も読み取れません", "表紙の法人番号・事業者名の記入を依頼してください"),
    "unsafe_path": ("圧縮ファイル内のパスが不正です(フォルダの外を指しています)", "ZIPファイルを作り直して再送付を依頼してください"),
    "archive_bomb": ("展開後のサイズが異常に大きい圧縮ファイルです", "内容を確認のうえ再送付を依頼してください"),
    "archive_corrupt": ("圧縮ファイルが壊れていて開けません", "ZIPファイルの再送付を依頼してください"),
    "archive_encrypted": ("圧縮ファイルにパスワードが設定されています", "パスワードなしのZIPでの再送付を依頼してください"),
    "archive_too_deep": ("圧縮ファイルの入れ子が深すぎます", "ファイルを直接送付するよう依頼してください"),
    "superseded": ("同じ事業者からより新しい提出があります(置換済み)", "対応不要です"),
}
FLAGS: dict[str, tuple[str, str]] = {
    "name_fallback": ("法人番号が読み取れない・誤っているため事業者名で照合しました", "法人番号(13桁)の確認を依頼してください"),
    "invalid_answers": ("判読できない回答があります", "該当項目の回答を選択肢から選び直すよう依頼してください"),
    "unanswered": ("未回答の項目があります", "未回答項目の記入を依頼してください"),
    "unknown_items": ("様式にない項目IDがあります", "様式の改変がないか確認してください"),
    "missing_items": ("様式の項目が一部欠けています", "行の削除がないか確認してください"),
    "summary_mismatch": ("可視化結果(広域機関用)の集計がチェックシートと一致しません", "様式の数式が改変されていないか確認してください"),
    "unknown_business_type": ("事業区分に判読できない値があります", "事業区分の確認を依頼してください"),
    "no_date": ("回答日が読み取れません", "回答日の記入を依頼してください"),
}


class Rejected(Exception):
    """A file (or archive member, or export row) that must be quarantined, with a reason code."""

    def __init__(self, code: str, detail: str = "") -> None:
        if code not in REASONS:
            raise ValueError(f"unknown quarantine reason {code!r}")
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
