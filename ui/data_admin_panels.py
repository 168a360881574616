"""The tabs of 数据管理 (``/data``): upload, templates, corrections, accounts, audit log.

Uploads go through the very importer of ``manage.py import``: ``plan_import`` for the preview
(nothing written), ``import_files`` after the user confirms, both with the user's allowed
communities. Files are checked by content first (``ingest.upload_safety``). After every write
the page caches are cleared, so every page shows the new data at once.
"""

from __future__ import annotations

import datetime as dt
import functools

import streamlit as st

from administration import accounts, audit
from administration.accounts import User
from ingest import corrections, templates
from ingest.importer import ImportResult, import_files, plan_import
from ingest.parsing import TABLE_KINDS
from ingest.upload_safety import MAX_UPLOAD_MB, upload_problem
from storage.models import PROJECT_STATUSES
from ui import data, layout
from ui import data_admin_model as model
from ui.filters import escape_markdown

XLSX_MIME = templates.XLSX_MIME
UPLOAD_GENERATION = "upload_generation"  # bumped after an import: a fresh, empty uploader
UPLOAD_PLAN = "upload_plan"
UPLOAD_DONE = "upload_done"
FIX_GENERATION = "fix_generation"
FIX_DONE = "fix_done"
PAGES_AFTER_IMPORT = (
    ("views/overview.py", "领导驾驶舱"),
    ("views/livelihood.py", "民生实事"),
    ("views/fiscal.py", "财政税收"),
    ("views/census.py", "人口普查"),
    ("views/volunteers.py", "志愿服务"),
    ("views/weekly.py", "周例会"),
)
ROLE_HELP = """
- **只读（viewer）**：查看各页面，不能进入数据管理页。
- **社区编辑（editor）**：上传、更正所列社区的数据；其他社区的行、街道级财政数据会被拒绝。
- **街道管理员（admin）**：全部街道、全部数据，另可管理账号、查看和导出操作日志。

是否所有页面都需要登录由部署设置 `DASHBOARD_REQUIRE_LOGIN` 决定（默认内网可直接查看）；
数据管理页始终需要登录。登录后超过 `DASHBOARD_SESSION_IDLE_MINUTES`（默认 8 小时）未操作需重新登录。
"""


def _progress_callback(bar):  # type: ignore[no-untyped-def]
    """The importer's ``progress(done, total, message)`` drawn on an ``st.progress`` bar."""

    def report(done: int, total: int, message: str) -> None:
        fraction = done / total if total else 1.0
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"{message}：{done:,}/{total:,} 行")

    return report


# --------------------------------------------------------------------------- upload


def _uploaded_files() -> list[tuple[str, bytes]]:
    generation = st.session_state.setdefault(UPLOAD_GENERATION, 0)
    uploads = st.file_uploader(
        f"选择要导入的文件（.xlsx 或 .csv，可多选，每个不超过 {MAX_UPLOAD_MB} MB）",
        type=["xlsx", "csv"],
        accept_multiple_files=True,
        key=f"upload_files_{generation}",
        max_upload_size=MAX_UPLOAD_MB,
    )
    return [(upload.name, upload.getvalue()) for upload in uploads or []]


UPLOAD_BLOCKED = "upload_blocked"


def _refused_files(user: User, files: list[tuple[str, bytes]]) -> list[tuple[str, str]]:
    """Files failing the content checks; each blocked set of files is audited once."""
    refused = [(name, problem) for name, body in files if (problem := upload_problem(name, body))]
    token = tuple((name, audit.sha256_hex(body)) for name, body in files)
    if refused and st.session_state.get(UPLOAD_BLOCKED) != token:
        bodies = dict(files)
        for name, problem in refused:
            audit.record_refused_import(
                data.engine(), user.username, [(name, bodies[name])], f"安全检查未通过：{problem}"
            )
        st.session_state[UPLOAD_BLOCKED] = token
    return refused


def _plan(user: User, files: list[tuple[str, bytes]]) -> ImportResult:
    """The preview of these files, computed once per set of files (kept in the session)."""
    token = tuple((name, audit.sha256_hex(body)) for name, body in files)
    saved = st.session_state.get(UPLOAD_PLAN)
    if saved and saved[0] == token:
        return saved[1]
    bar = st.progress(0.0, text="正在校验…")
    result = plan_import(
        data.engine(),
        files,
        progress=_progress_callback(bar),
        allowed_communities=user.allowed_communities,
    )
    bar.empty()
    if not result.ok:
        reason = f"校验未通过：{result.error_total} 处错误，未写入任何数据"
        audit.record_refused_import(data.engine(), user.username, files, reason)
    st.session_state[UPLOAD_PLAN] = (token, result)
    return result


def _show_errors(errors, file_stem: str, key: str) -> None:  # type: ignore[no-untyped-def]
    st.dataframe(model.issues_frame(errors), hide_index=True, width="stretch")
    st.download_button(
        "下载错误清单（Excel）",
        data=functools.partial(model.issues_xlsx, errors),
        file_name=f"{file_stem}_{dt.date.today().isoformat()}.xlsx",
        mime=XLSX_MIME,
        icon=":material/download:",
        on_click="ignore",
        key=key,
    )


def _show_import_done() -> None:
    done = st.session_state.pop(UPLOAD_DONE, None)
    if not done:
        return
    st.success(done, icon=":material/check_circle:")
    st.caption("各页面已更新，点击查看：")
    for column, (page, label) in zip(
        st.columns(len(PAGES_AFTER_IMPORT)), PAGES_AFTER_IMPORT, strict=True
    ):
        column.page_link(page, label=label, query_params=layout.link_params())


def _confirm_import(user: User, files: list[tuple[str, bytes]]) -> None:
    bar = st.progress(0.0, text="正在导入…")
    result = import_files(
        data.engine(),
        files,
        user=user.username,
        progress=_progress_callback(bar),
        allowed_communities=user.allowed_communities,
    )
    bar.empty()
    if not result.ok:  # the data changed since the preview
        audit.record_refused_import(
            data.engine(), user.username, files, f"导入时校验未通过：{result.error_total} 处错误"
        )
        st.error("导入失败：" + model.errors_heading(result.error_total, len(result.errors)))
        _show_errors(result.errors, "导入错误清单", "upload_errors_final_xlsx")
        return
    audit.record_import(data.engine(), user.username, files)
    data.clear_caches()
    st.session_state[UPLOAD_DONE] = (
        f"导入成功（{len(files)} 个文件）：{model.summary_sentence(result.summaries)}"
    )
    st.session_state.pop(UPLOAD_PLAN, None)
    st.session_state[UPLOAD_GENERATION] = st.session_state.get(UPLOAD_GENERATION, 0) + 1
    st.rerun()


def upload_panel(user: User) -> None:
    """Choose files → checked by content → preview (or every error) → confirm → written."""
    _show_import_done()
    st.caption("任何一行有错，整批都不写入。同一文件重复导入不会产生重复数据（按唯一键更新）。")
    files = _uploaded_files()
    if not files:
        return
    refused = _refused_files(user, files)
    if refused:
        st.error("以下文件未通过安全检查，本次上传不会导入任何文件：", icon=":material/gpp_bad:")
        st.dataframe(model.refused_frame(refused), hide_index=True, width="stretch")
        return
    result = _plan(user, files)
    if not result.ok:
        st.error(
            model.errors_heading(result.error_total, len(result.errors)), icon=":material/error:"
        )
        _show_errors(result.errors, "导入错误清单", "upload_errors_xlsx")
        return
    if result.warnings:
        st.warning(f"{len(result.warnings)} 处需要核实（不影响导入）：", icon=":material/warning:")
        st.dataframe(model.issues_frame(result.warnings), hide_index=True, width="stretch")
    st.markdown("**导入预览**（确认前不会写入任何数据）")
    st.dataframe(model.summary_frame(result.summaries), hide_index=True, width="stretch")
    for caption, frame in model.preview_frames(result.summaries):
        st.caption(caption)
        st.dataframe(frame, hide_index=True, width="stretch")
    if not model.has_changes(result.summaries):
        st.info("这些文件与数据库中的数据完全相同，无需导入。", icon=":material/info:")
        return
    if st.button("确认导入", type="primary", key="upload_confirm", icon=":material/upload:"):
        _confirm_import(user, files)


# --------------------------------------------------------------------------- templates


def _writable_kinds(user: User):  # type: ignore[no-untyped-def]
    if user.is_admin:
        return TABLE_KINDS
    return tuple(k for k in TABLE_KINDS if k.key not in ("fiscal_monthly", "fiscal_targets"))


def templates_panel(user: User) -> None:
    """An empty template and the current data, per table, in the same layout."""
    st.caption(
        "空白模板含表头说明、示例行（灰色，导入前请删除）和下拉列表；"
        "「当前数据」与模板格式相同，修改后可直接重新上传。"
    )
    engine = data.engine()
    communities = sorted(user.communities) if not user.is_admin else None
    lists = communities if communities is not None else templates.list_community_keys(engine)
    today = dt.date.today().isoformat()
    for kind in _writable_kinds(user):
        name_column, template_column, data_column, _ = st.columns([1, 1, 1, 2])
        name_column.markdown(f"**{kind.label}**")
        template_column.download_button(
            "空白模板",
            data=functools.partial(templates.template_xlsx, kind, tuple(lists)),
            file_name=templates.file_name(kind),
            mime=XLSX_MIME,
            icon=":material/description:",
            on_click="ignore",
            key=f"template_{kind.key}",
        )
        data_column.download_button(
            "当前数据",
            data=functools.partial(
                templates.table_xlsx, engine, kind.key, user.allowed_communities, tuple(lists)
            ),
            file_name=templates.file_name(kind, today),
            mime=XLSX_MIME,
            icon=":material/table_view:",
            on_click="ignore",
            key=f"export_{kind.key}",
        )
    if not user.is_admin:
        st.caption("财政收入、财政目标为街道级数据，由街道管理员维护。")


# --------------------------------------------------------------------------- corrections


def _correction_column_config() -> dict:
    column = st.column_config
    return {
        "状态": column.SelectboxColumn("状态", options=list(PROJECT_STATUSES), required=True),
        "计划完成日期": column.DateColumn("计划完成日期", format="YYYY-MM-DD", required=True),
        # Text, not a date column: an empty date cell would read "None" (no option for that).
        "完成日期": column.TextColumn(
            "完成日期", help="YYYY-MM-DD；未完成的项目留空", max_chars=10
        ),
        "投资金额(万元)": column.NumberColumn("投资金额(万元)", min_value=0.0, format="%.2f"),
        "受益户数": column.NumberColumn("受益户数", min_value=0, step=1, format="%d"),
    }


def corrections_panel(user: User) -> None:
    """Edit status, dates and amounts in place; saved only when every edit is valid."""
    done = st.session_state.pop(FIX_DONE, None)
    if done:
        st.success(f"已保存 {len(done)} 个项目的更正：", icon=":material/check_circle:")
        st.dataframe({"更正内容": done}, hide_index=True, width="stretch")
    scope = layout.current_scope()
    year_column, search_column = st.columns([1, 3])
    year = year_column.number_input(
        "年度", min_value=1990, max_value=2100, value=scope.as_of.year, step=1, key="fix_year"
    )
    search = search_column.text_input(
        "搜索项目", placeholder="项目编号或名称", key="fix_search", max_chars=100
    )
    projects = corrections.editable_projects(
        data.engine(),
        allowed=user.allowed_communities,
        year=int(year),
        subdistrict=scope.subdistrict,
        communities=scope.communities,
        search=search,
    )
    if not projects:
        layout.empty_state("没有可更正的项目。请调整年度、搜索词或左侧的街道、社区筛选。")
        return
    frame = model.projects_frame(projects)
    st.caption(
        f"共 {len(projects)} 个项目（最多显示 {corrections.MAX_LIST} 个，请用筛选缩小范围）。"
        "可修改状态、计划完成日期、完成日期、投资金额、受益户数；规则与导入相同"
        "（状态为已完成时必须有完成日期，其他状态必须为空）。"
    )
    # The editor keeps edits by row position across reruns: when the listed projects change
    # (a new search, a project moved away meanwhile) a new editor starts, so an edit can
    # never land on another project that now sits in the same row.
    generation = st.session_state.setdefault(FIX_GENERATION, 0)
    key = f"fix_editor_{generation}_{model.projects_token([p.code for p in projects])}"
    st.data_editor(
        frame,
        hide_index=True,
        width="stretch",
        disabled=list(model.READ_ONLY_PROJECT_HEADERS),
        column_config=_correction_column_config(),
        num_rows="fixed",
        key=key,
    )
    edits = model.edits_from_state(frame, st.session_state.get(key, {}).get("edited_rows", {}))
    if not st.button(
        f"保存更正（{len(edits)} 个项目）",
        type="primary",
        disabled=not edits,
        key="fix_save",
        icon=":material/save:",
    ):
        return
    result = corrections.apply_corrections(
        data.engine(), edits, user=user.username, allowed=user.allowed_communities
    )
    if not result.ok:
        st.error(f"发现 {len(result.errors)} 处错误，未保存任何更正：", icon=":material/error:")
        _show_errors(result.errors, "更正错误清单", "fix_errors_xlsx")
        return
    data.clear_caches()
    st.session_state[FIX_DONE] = result.details or ["没有实际变化"]
    st.session_state[FIX_GENERATION] += 1
    st.rerun()


# --------------------------------------------------------------------------- accounts


def _create_account_form(admin: User) -> None:
    keys = [accounts.format_community(k) for k in templates.list_community_keys(data.engine())]
    with st.form("new_user_form", clear_on_submit=True):
        st.markdown("**新建账号**")
        name_column, role_column = st.columns(2)
        username = name_column.text_input("用户名", key="new_user_name", max_chars=100)
        role = role_column.selectbox(
            "角色",
            accounts.ROLES,
            format_func=lambda r: accounts.ROLE_LABELS[r],
            key="new_user_role",
        )
        chosen = st.multiselect(
            "可写社区（社区编辑必填）", keys, key="new_user_communities", select_all=False
        )
        password = st.text_input(
            "初始密码（至少 8 个字符）", type="password", key="new_user_password", max_chars=200
        )
        submitted = st.form_submit_button("创建账号", key="new_user_submit")
    if not submitted:
        return
    try:
        communities = [accounts.parse_community(text) for text in chosen]
        user = accounts.create_user(
            data.engine(), username, password, role, communities, created_by=admin.username
        )
    except accounts.AccountError as error:
        st.error(escape_markdown(str(error)), icon=":material/error:")
        return
    st.success(escape_markdown(f"已创建账号：{user.describe()}"), icon=":material/person_add:")


def _change_account_form(admin: User, names: list[str]) -> None:
    with st.form("change_user_form", clear_on_submit=True):
        st.markdown("**停用、启用或重设密码**")
        name_column, password_column = st.columns(2)
        username = name_column.selectbox("账号", names, key="change_user_name")
        password = password_column.text_input(
            "新密码（仅重设密码时填写）", type="password", key="change_user_password"
        )
        action = st.radio(
            "操作", ["停用", "启用", "重设密码"], horizontal=True, key="change_user_action"
        )
        submitted = st.form_submit_button("执行", key="change_user_submit")
    if not submitted or not username:
        return
    try:
        if username == admin.username and action == "停用":
            raise accounts.AccountError("不能停用自己正在使用的账号")
        if action == "重设密码":
            accounts.set_password(data.engine(), username, password, by=admin.username)
        else:
            accounts.set_active(data.engine(), username, action == "启用", by=admin.username)
    except accounts.AccountError as error:
        st.error(escape_markdown(str(error)), icon=":material/error:")
        return
    st.success(escape_markdown(f"已{action}：{username}"), icon=":material/check_circle:")


def accounts_panel(admin: User) -> None:
    """The account list, a form to create one, and switching off or resetting a password."""
    _create_account_form(admin)
    _change_account_form(admin, [row.username for row in accounts.list_accounts(data.engine())])
    st.dataframe(
        model.accounts_frame(accounts.list_accounts(data.engine()), dt.datetime.now()),
        hide_index=True,
        width="stretch",
    )


# --------------------------------------------------------------------------- audit log


def audit_panel() -> None:
    """The newest entries, filtered by action and user; the full filtered log as xlsx/csv."""
    action_column, user_column = st.columns([2, 1])
    actions = action_column.multiselect(
        "操作类型",
        list(audit.ACTION_LABELS),
        format_func=audit.ACTION_LABELS.get,
        key="audit_actions",
        placeholder="全部操作",
        select_all=False,  # Streamlit's bulk option is labelled in English
    )
    username = user_column.text_input("用户", key="audit_user", max_chars=100).strip()
    entries = audit.list_entries(data.engine(), actions=actions, username=username or None)
    if not entries:
        layout.empty_state("没有符合条件的操作记录。")
        return
    st.dataframe(model.audit_frame(entries), hide_index=True, width="stretch")
    st.caption(f"显示最近 {len(entries)} 条；导出包含全部符合条件的记录。")

    def full_log():  # type: ignore[no-untyped-def]
        return audit.list_entries(
            data.engine(),
            actions=actions,
            username=username or None,
            limit=audit.MAX_EXPORT_ROWS,
        )

    stem = f"操作日志_{dt.date.today().isoformat()}"
    xlsx_column, csv_column = st.columns(2)
    xlsx_column.download_button(
        "导出 Excel",
        data=lambda: audit.to_xlsx(full_log()),
        file_name=f"{stem}.xlsx",
        mime=XLSX_MIME,
        icon=":material/download:",
        on_click="ignore",
        key="audit_xlsx",
    )
    csv_column.download_button(
        "导出 CSV",
        data=lambda: audit.to_csv(full_log()),
        file_name=f"{stem}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="audit_csv",
    )
