"""RESULTS.md and PLANS.md from the raw results of ``run.py`` (one dict per side).

Every verdict is computed from the numbers of the run; every gap gets the measured parts it
is made of (SQL time and statements, the slowest statement and its plan, the page code's
own time from the cached run, process start, the small-demo import for comparison).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import floor

BENCH = Path(__file__).resolve().parent
PAGES = ("overview", "livelihood", "fiscal", "census", "volunteers", "weekly", "screen")
LABEL = {"sqlite": "SQLite", "pg": "PostgreSQL"}
SIDES = ("before", "after")
SIDE_LABEL = {"before": "改动前", "after": "改动后"}


def _get(data: Any, *path: Any) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} ms"


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f} s"


def _ratio(after: float | None, before: float | None) -> str:
    if not after or not before:
        return "–"
    return f"{after / before:.2f}×"


def _mark(ok: bool | None) -> str:
    return "" if ok is None else (" ✅" if ok else " ❌")


def _kinds(sides: dict[str, Any]) -> list[str]:
    kinds: list[str] = []
    for side in sides.values():
        kinds += [k for k in side["kinds"] if k not in kinds]
    return kinds


class Row:
    """One measured figure: how to read it from a side/kind, how to print it, its target."""

    def __init__(self, label: str, target: str, read, show, ok=None, lower_better=True) -> None:  # type: ignore[no-untyped-def]
        self.label, self.target, self.read, self.show, self.ok = label, target, read, show, ok
        self.lower_better = lower_better


def _page_rows() -> list[Row]:
    rows = []
    for page in PAGES:
        rows.append(
            Row(
                f"`/{page}` 未缓存（城市）",
                "≤ 500 ms",
                lambda k, p=page: _get(k, "pages", "pages", p, "uncached_ms"),
                _ms,
                lambda v: v <= 500,
            )  # fmt: skip
        )
    for page in PAGES:
        rows.append(
            Row(
                f"`/{page}` 缓存（城市）",
                "≤ 50 ms",
                lambda k, p=page: _get(k, "pages", "pages", p, "cached_ms"),
                _ms,
                lambda v: v <= 50,
            )  # fmt: skip
        )
    return rows


def _other_rows() -> list[Row]:
    return [
        Row("`manage.py report` 含进程启动（城市）", "≤ 1 s",
            lambda k: _get(k, "report", "median_s"), _s, lambda v: v <= 1),
        Row("导入志愿服务 CSV，完整校验（城市，扣除 10 行导入的固定开销）", "≥ 20,000 行/s",
            lambda k: _get(k, "import", "net_rows_per_s"), lambda v: f"{v:,.0f} 行/s",
            lambda v: v >= 20_000, lower_better=False),
        Row("同上，含进程启动与固定开销", "–",
            lambda k: _get(k, "import", "rows_per_s"), lambda v: f"{v:,.0f} 行/s",
            None, lower_better=False),
        Row("Chromium：新访问到完全绘制（城市，未用过的日期，7 页中位数）", "≤ 2 s",
            lambda k: _get(k, "serve", "fresh_visit_median_s"), _s, lambda v: v <= 2),
        Row("Chromium：新会话打开默认首页 /（城市，服务已热）", "≤ 2 s",
            lambda k: _get(k, "serve", "default_visit_s"), _s, lambda v: v <= 2),
        Row("Chromium：服务启动后第一次访问（城市，含一次性开销）", "–",
            lambda k: _get(k, "serve", "first_visit_s"), _s, None),
        Row("Chromium：改筛选（重置筛选）到重绘完成（城市）", "≤ 1 s",
            lambda k: _get(k, "serve", "filter_change_s"), _s, lambda v: v <= 1),
        Row("Chromium：新访问到完全绘制（小示例，7 页中位数）", "≤ 1.5 s",
            lambda k: _get(k, "serve_small", "fresh_visit_median_s"), _s, lambda v: v <= 1.5),
        Row("Chromium：新会话打开默认首页 /（小示例）", "≤ 1.5 s",
            lambda k: _get(k, "serve_small", "default_visit_s"), _s, lambda v: v <= 1.5),
        Row("Chromium：改筛选到重绘完成（小示例）", "≤ 0.5 s",
            lambda k: _get(k, "serve_small", "filter_change_s"), _s, lambda v: v <= 0.5),
        Row("Chromium：回访（浏览器已有缓存，新会话、服务端未缓存的视图）到完全绘制（城市，7 页中位数）", "–",
            lambda k: _get(k, "serve", "returning_visit_median_s"), _s, None),
        Row("Chromium：回访到完全绘制（小示例，7 页中位数）", "–",
            lambda k: _get(k, "serve_small", "returning_visit_median_s"), _s, None),
        Row("Chromium：新访问到完全绘制，按页面自身计时（小示例，7 页中位数）", "–",
            lambda k: _get(k, "serve_small", "fresh_visit_in_page_median_s"), _s, None),
        Row("Chromium：改筛选到重绘完成，按页面自身计时（小示例）", "–",
            lambda k: _get(k, "serve_small", "filter_change_in_page_s"), _s, None),
        Row("应用进程峰值内存 VmHWM（城市，9 个 Chromium 会话之后）", "< 1 GiB",
            lambda k: _get(k, "serve", "peak_rss_mb"), lambda v: f"{v:,.0f} MiB",
            lambda v: v < 1024),
    ]  # fmt: skip


def _floor_of(sides: dict[str, Any]) -> dict[str, Any]:
    for side in ("after", "before"):
        if _get(sides, side, "floor", "duckdb", "seconds"):
            return sides[side]["floor"]
    return {}


def _duck_page_s(fl: dict[str, Any], page: str) -> float | None:
    duck = fl.get("duckdb")
    if not duck or "seconds" not in duck:
        return None
    return floor.page_seconds(duck, page) + duck.get("setup_s", 0)


def _naive_page_s(fl: dict[str, Any], kind: str, page: str) -> float | None:
    naive = fl.get(f"naive_{kind}")
    if not naive or "seconds" not in naive:
        return None
    return floor.page_seconds(naive, page, with_load=True)


def _floor_rows(fl: dict[str, Any]) -> list[Row]:
    rows = []
    for page in PAGES:
        rows.append(
            Row(
                f"`/{page}` 数字的 SQL 时间 ÷ DuckDB 下限",
                "≤ 3×",
                lambda k, p=page: _div(
                    _get(k, "pages", "pages", p, "cold_sql_ms"), _scale(_duck_page_s(fl, p), 1000)
                ),
                lambda v: f"{v:.2f}×",
                lambda v: v <= 3,
            )  # fmt: skip
        )
    for page in PAGES:
        rows.append(
            Row(
                f"`/{page}` 朴素 pandas 时间 ÷ 数字的 SQL 时间",
                "≥ 20×",
                lambda k, p=page: _div(
                    _scale(_naive_page_s(fl, "sqlite", p), 1000),
                    _get(k, "pages", "pages", p, "cold_sql_ms"),
                ),
                lambda v: f"{v:,.1f}×",
                lambda v: v >= 20,
                lower_better=False,
            )  # fmt: skip
        )
    rows.append(
        Row(
            "朴素 pandas 峰值内存 ÷ 本项目 7 页 AppTest 进程峰值内存",
            "≥ 5×",
            lambda k: _div(_get(fl, "naive_sqlite", "peak_mb"), _get(k, "pages", "peak_mb")),
            lambda v: f"{v:,.1f}×",
            lambda v: v >= 5,
            lower_better=False,
        )  # fmt: skip
    )
    return rows


def _div(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def _scale(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def _table(sides: dict[str, Any], rows: list[Row], kinds: list[str]) -> list[str]:
    head = "| 指标 | 目标 | " + " | ".join(
        f"{LABEL[k]} 改动前 | {LABEL[k]} 改动后 | 后/前" for k in kinds
    )
    lines = [head + " |", "|---|---|" + "---|---|---|" * len(kinds)]
    for row in rows:
        cells = []
        for kind in kinds:
            values = {}
            for side in SIDES:
                k = _get(sides, side, "kinds", kind)
                values[side] = row.read({**k, "kind": kind}) if k else None
            b, a = values["before"], values["after"]
            cells.append("–" if b is None else row.show(b) + (_mark(row.ok(b)) if row.ok else ""))
            cells.append("–" if a is None else row.show(a) + (_mark(row.ok(a)) if row.ok else ""))
            cells.append(_ratio(a, b))
        lines.append(f"| {row.label} | {row.target} | " + " | ".join(cells) + " |")
    return lines


# --------------------------------------------------------------------------- causes


def _slowest_statement(page_result: dict[str, Any]) -> dict[str, Any] | None:
    plans = page_result.get("plans") or []
    return max(plans, key=lambda p: p["seconds"]) if plans else None


def _page_cause(kind: str, page: str, p: dict[str, Any]) -> str:
    sql, total = p.get("uncached_sql_ms", 0), p["uncached_ms"]
    render = max(total - sql, 0)
    parts = [
        f"未缓存 {total:,.0f} ms = SQL {sql:,.0f} ms + 页面代码与绘制 {render:,.0f} ms"
        f"（缓存运行 {p['cached_ms']:,.0f} ms，其中 SQL {p.get('cached_sql_ms', 0):,.0f} ms）"
    ]
    slow = _slowest_statement(p)
    if slow and slow["seconds"] * 1000 >= 20:
        first = " ".join(slow["sql"].split())[:110]
        scans = "，全表扫描 " + "、".join(slow["full_scans"]) if slow["full_scans"] else ""
        parts.append(f"最慢语句 {slow['seconds'] * 1000:,.0f} ms（`{first}…`{scans}）")
    worst = p.get("uncached_slowest") or {}
    if worst.get("seconds", 0) * 1000 >= 20:
        parts.append(
            f"未缓存运行中最慢的一条 {worst['seconds'] * 1000:,.0f} ms（`{worst['sql'][:110]}…`）"
        )
    scans = sorted({t for plan in p.get("plans") or [] for t in plan["full_scans"]})
    if scans:
        parts.append("计划中全表扫描的大表：" + "、".join(scans))
    parts.append(f"冷启动一次共 {p.get('statements', 0)} 条语句")
    return f"- {LABEL[kind]} `/{page}`：" + "；".join(parts) + "。"


def _causes(sides: dict[str, Any], kinds: list[str], fl: dict[str, Any]) -> list[str]:
    after = sides.get("after")
    if not after:
        return ["（本次没有改动后的结果。）"]
    lines: list[str] = []
    for kind in kinds:
        k = after["kinds"].get(kind)
        if not k:
            continue
        pages = _get(k, "pages", "pages") or {}
        for page in PAGES:
            p = pages.get(page)
            if p and (p["uncached_ms"] > 500 or p["cached_ms"] > 50):
                lines.append(_page_cause(kind, page, p))
        report = k.get("report") or {}
        if report.get("median_s", 0) > 1:
            lines.append(
                f"- {LABEL[kind]} `manage.py report` {report['median_s']:.2f} s：其中进程启动与导入"
                f"（同一环境 `manage.py --help` 不连数据库）{report.get('help_s', 0):.2f} s，"
                f"其余 {report['median_s'] - report.get('help_s', 0):.2f} s 为连库、结构检查与报表查询。"
            )
        imp, small = k.get("import") or {}, k.get("import_small") or {}
        if imp.get("net_rows_per_s") and imp["net_rows_per_s"] < 20_000:
            lines.append(
                f"- {LABEL[kind]} 导入 {imp['net_rows_per_s']:,.0f} 行/s（城市库，"
                f"{imp['rows']:,} 行 {imp['wall_s']:.1f} s，固定开销 {imp['fixed_s']:.1f} s）；"
                f"同一批行导入小示例库为 {small.get('net_rows_per_s', 0):,.0f} 行/s："
                + (
                    "差别来自大表（1,000 万行）上的索引维护与汇总表刷新。"
                    if small.get("net_rows_per_s", 0) > 1.5 * imp["net_rows_per_s"]
                    else "小库上同样慢，瓶颈在导入器自身（逐行校验与写入），不在表的大小。"
                )
            )
        for key, name, limit in (("serve", "城市", 2), ("serve_small", "小示例", 1.5)):
            serve = k.get(key) or {}
            fresh = serve.get("fresh_visits_s") or {}
            slow = {p: v for p, v in fresh.items() if v > limit}
            if slow:
                server = {p: (_get(pages, p, "uncached_ms") or 0) / 1000 for p in slow}
                detail = "，".join(
                    f"/{p} {v:.1f} s（服务端 AppTest 未缓存 {server[p]:.1f} s）"
                    for p, v in slow.items()
                )
                lines.append(
                    f"- {LABEL[kind]} Chromium 新访问（{name}）超过 {limit} s：{detail}。"
                    "浏览器时间与服务端时间之差是页面传输、前端绘制（表格、图表）与会话建立。"
                )
            change = serve.get("filter_change_s")
            change_limit = 1 if key == "serve" else 0.5
            if change and change > change_limit:
                lines.append(
                    f"- {LABEL[kind]} Chromium 改筛选（{name}）{change:.2f} s：/overview 重跑"
                    f"（服务端未缓存 {(_get(pages, 'overview', 'uncached_ms') or 0) / 1000:.2f} s"
                    f"{'，城市库' if key == 'serve' else '，小示例另测'}）加浏览器重绘。"
                )
        for page in PAGES:
            sql = _get(pages, page, "cold_sql_ms")
            naive = _naive_page_s(fl, "sqlite", page)
            if sql and naive and naive * 1000 / sql < 20:
                tables = sorted({t for a in floor.PAGE_AREAS[page] for t in floor.AREA_TABLES[a]})
                own_n, own_ms = _own_statements(pages[page], tables)
                small = "（这几张表不大）" if "service_record" not in tables else ""
                lines.append(
                    f"- {LABEL[kind]} `/{page}` 朴素做法时间 ÷ 本项目 = {naive * 1000 / sql:.1f}×：朴素做法读入 "
                    + "、".join(tables)
                    + f" 整表并计算共 {naive * 1000:,.0f} ms{small}；本项目冷启动 "
                    f"{pages[page].get('statements', 0)} 条语句共 {sql:,.0f} ms，其中读这些表的 {own_n} 条"
                    f" {own_ms:,.0f} ms，其余是每页都有的侧栏名录、数据日期、规则与结构检查等语句。"
                )
            duck = _duck_page_s(fl, page)
            if sql and duck and sql / (duck * 1000) > 3:
                p = pages[page]
                tables = sorted({t for a in floor.PAGE_AREAS[page] for t in floor.AREA_TABLES[a]})
                own_n, own_ms = _own_statements(p, tables)
                slow = _slowest_statement(p)
                lines.append(
                    f"- {LABEL[kind]} `/{page}` 相对 DuckDB 下限 {sql / (duck * 1000):.1f}×："
                    f"冷启动 {p.get('statements', 0)} 条语句共 {sql:,.0f} ms，DuckDB 列存一次算完 "
                    f"{duck * 1000:,.0f} ms"
                    + (
                        f"；最慢语句 {slow['seconds'] * 1000:,.0f} ms"
                        + (
                            "（全表扫描 " + "、".join(slow["full_scans"]) + "）"
                            if slow["full_scans"]
                            else ""
                        )
                        if slow
                        else ""
                    )
                    + f"；其中读本页主题表（{'、'.join(tables)}，不含汇总表）的 {own_n} 条语句共 "
                    f"{own_ms:,.0f} ms（{own_ms / (duck * 1000):.1f}×），其余为每页都有的侧栏名录、"
                    "数据日期、规则、汇总表与结构检查等语句的往返。"
                )
    return lines or ["全部达标。"]


def _own_statements(page_result: dict[str, Any], tables: list[str]) -> tuple[int, float]:
    """Statements of a cold run that read one of ``tables``: how many, and their time (ms)."""
    own = [
        p
        for p in page_result.get("plans") or []
        if any(f" {t}" in p["sql"] or f"{t}." in p["sql"] for t in tables)
    ]
    return len(own), sum(p["seconds"] for p in own) * 1000


# --------------------------------------------------------------------------- documents


def results(sides: dict[str, Any], args: Any, measured_now: list[str], plans_name: str) -> str:
    kinds = _kinds(sides)
    fl = _floor_of(sides)
    lines = [
        "# 性能测试结果（issue 11）：改动前后对比",
        "",
        "命令（一次完成两侧两库：`python benchmarks/run.py --reuse --after-from-before`；本次按数据库"
        "与两侧分成几个进程并行运行）："
        + "；".join(f"`{c}`" for side in SIDES for c in (_get(sides, side, "commands") or []))
        + "。",
        "同一套测量（`benchmarks/harness.py`、`benchmarks/floor.py`）分别跑在两棵源码树上，"
        "只通过各自的 `dashboard.py`（AppTest 与 `streamlit run` + Chromium）和 `manage.py` 交互，"
        "与包结构无关。每棵树用自己的 `manage.py demo --scale city` 建库（SQLite 文件与 PostgreSQL 库各一）。",
        "",
        "| | 源码 | 测量时间（UTC） | 负载（uptime，开始 → 结束） |",
        "|---|---|---|---|",
    ]
    for side in SIDES:
        s = sides.get(side)
        if s:
            lines.append(
                f"| {SIDE_LABEL[side]} | `{s['commit'][:10]}` | {s['started']} – {s['finished'][11:]} "
                f"| {s['load_start']} → {s['load_end']} |"
            )
    lines += [
        "",
        "本机 2 核，与其他任务共用：绝对时间随负载变化可达 2 倍以上，请看同一行的「后/前」比值。"
        "SQLite 与 PostgreSQL 两组测量可同时进行（`--db sqlite` / `--db pg` 各一个进程），"
        "改动前后两侧用同样的方式。测量时关闭语句超时（`DASHBOARD_STATEMENT_TIMEOUT=0`）："
        "数字是算完所需的时间，而不是被截断的时间。",
        "",
    ]
    for side in SIDES:
        for kind, k in (_get(sides, side, "kinds") or {}).items():
            data = k.get("data") or {}
            if data.get("migrated_by"):
                origin = (
                    f"`{data['copied_from']}` 的副本（同一批行）"
                    if data.get("copied_from")
                    else f"由 `{str(data.get('built_by'))[:10]}` 的 `manage.py demo --scale city` 建成（同一生成器、同一批行）"
                )
                lines.append(
                    f"- {SIDE_LABEL[side]} {LABEL[kind]} 的城市数据：{origin}，再经 `{data['migrated_by'][:10]}` 的 "
                    "`manage.py init-db`（其迁移补建并回填新增的汇总表）与 `ANALYZE`（`--after-from-before`）。"
                )
    lines.append("")
    any_kind = next(iter(next(iter(sides.values()))["kinds"].values()), {})
    counts = any_kind.get("data", {}).get("output") or []
    if counts:
        lines += ["数据（城市规模，截至 " + any_kind["today"] + "）：" + "；".join(
            c.strip() for c in counts if "：" in c) + "。", ""]  # fmt: skip
    lines += ["## 页面服务端时间（AppTest，中位数）", ""]
    lines += [
        f"未缓存 = 把日期筛选改成没用过的日期后运行一次；缓存 = 同一筛选再运行一次；各 {args.runs} 次取中位数。",
        "",
    ]
    lines += _table(sides, _page_rows(), kinds)
    lines += ["", "## 周报、导入、浏览器、内存", ""]
    lines += _table(sides, _other_rows(), kinds)
    loads = sorted(p.name for p in BENCH.glob("LOAD*.md"))
    lines += [
        "",
        "50 个并发会话、两个进程、nginx 粘性会话的负载测试由 `benchmarks/load_*.py` 完成，"
        "结果见 "
        + "、".join(f"[{name}]({name})" for name in loads)
        + "（目标 p95 ≤ 2 s、无错误、每进程 < 1 GiB）。",
        "",
        "## 与 DuckDB 下限、朴素 pandas 做法对比",
        "",
        "同一批数据、同样的数字（各页指标卡上的数字与其背后的分社区明细、按月/类型/活动的统计，"
        "`benchmarks/floor.py`）三种算法：本项目 = 该页冷启动运行（所有缓存清空、截至数据日期）"
        "发出的全部 SQL 的时间（含取行）；DuckDB 下限 = 读城市 SQLite 库导出的 Parquet，一个冷进程；"
        '朴素做法 = `pd.read_sql("SELECT * FROM …")` 读入该页用到的整张表后用 pandas 计算（在 SQLite '
        "库上测，两列数据库用同一朴素时间）。内存比较朴素做法进程与本项目 AppTest 进程（7 页全部运行）"
        "的峰值常驻内存。页面绘制时间不在这三项里，见上面的页面表。",
        "",
    ]
    lines += _table(sides, _floor_rows(fl), kinds)
    lines += _agreement(sides, fl)
    lines += ["", "## 未达标项与测得的原因（改动后）", ""]
    lines += _causes(sides, kinds, fl)
    lines += [
        "",
        "## 最慢页面的剖析（cProfile，脚本线程，按累计时间前 15 项）",
        "",
        "略去 Streamlit 脚本运行器、缓存与 SQLAlchemy 的转发帧（它们的累计时间与下一层相同）。",
        "",
    ]
    for side in SIDES:
        prof = _get(sides, side, "profile")
        if prof and prof.get("profile"):
            first = next(iter(sides[side]["kinds"]))
            lines += [
                f"{SIDE_LABEL[side]}（{LABEL[first]}）：`/{prof['page']}` 一次未缓存运行 "
                f"{prof['seconds']:.2f} s。",
                "",
                "```",
                _trim_profile(prof["profile"]),
                "```",
                "",
            ]
    lines += [
        "## 查询计划",
        "",
        f"每页冷启动运行的全部查询及其执行计划见 [{plans_name}]({plans_name})。",
        "",
    ]
    lines += _plan_summary(sides, kinds)
    lines += ["", "## 每页时间明细（毫秒）", ""]
    lines += _detail(sides, kinds)
    return "\n".join(lines) + "\n"


RUNNER_FRAMES = (
    "scriptrunner", "local_script_runner", "builtins.exec", "navigation/page.py",
    "runtime/caching/", "sqlalchemy/engine/", "sqlalchemy/sql/elements.py", "metrics_util.py",
)  # fmt: skip


def _trim_profile(text: str, top: int = 15) -> str:
    """The header and the first ``top`` entries below Streamlit's own script-runner frames."""
    lines = [line for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    entries = [line for line in lines[start + 1 :] if not any(f in line for f in RUNNER_FRAMES)]
    return "\n".join(line[:160] for line in [lines[0], lines[start], *entries[:top]])


def _agreement(sides: dict[str, Any], fl: dict[str, Any]) -> list[str]:
    duck = _get(fl, "duckdb", "figures") or {}
    lines = ["", "结果一致性：DuckDB 与朴素做法算出的数字"]
    for kind in ("sqlite", "pg"):
        naive = _get(fl, f"naive_{kind}", "figures")
        if naive is not None:
            lines[-1] += (
                f"，与 {LABEL[kind]} 上的朴素做法{'完全一致' if naive == duck else '不一致：' + json.dumps(naive, ensure_ascii=False)}"
            )
    shown = []
    after = sides.get("after") or sides.get("before")
    if after and duck:
        k = next(iter(after["kinds"].values()))
        metrics = " ".join(
            v for p in PAGES for _, v in (_get(k, "pages", "pages", p, "metrics") or [])
        )
        numbers = {
            str(v) for area in ("livelihood", "census", "volunteers") for v in duck[area].values()
        }
        numbers |= {
            f"{duck['fiscal'][key]:,.2f}" for key in ("cumulative", "month_amount", "target")
        }
        for value in sorted(numbers):
            as_shown = f"{int(value):,}" if value.isdigit() else value
            if len(value) > 2:
                shown.append((as_shown, as_shown in metrics or value in metrics))
    if shown:
        found = [v for v, ok in shown if ok]
        lines[-1] += (
            f"；页面指标卡上能找到 DuckDB 核心数字中的 {len(found)}/{len(shown)} 个"
            f"（{'、'.join(found[:12])}{'…' if len(found) > 12 else ''}）"
        )
    lines[-1] += "。"
    return lines


def _plan_summary(sides: dict[str, Any], kinds: list[str]) -> list[str]:
    lines = [
        "| 页面 | "
        + " | ".join(f"{LABEL[k]} {SIDE_LABEL[s]}" for k in kinds for s in SIDES)
        + " |",
        "|---|" + "---|" * (2 * len(kinds)),
    ]
    for page in PAGES:
        cells = []
        for kind in kinds:
            for side in SIDES:
                plans = _get(sides, side, "kinds", kind, "pages", "pages", page, "plans")
                if plans is None:
                    cells.append("–")
                    continue
                scans = sorted({t for p in plans for t in p["full_scans"]})
                unbounded = {
                    t for p in plans for t in p["full_scans"] if "LIMIT" not in p["sql"].upper()
                }
                named = [t if t in unbounded else f"{t}（仅带 LIMIT，提前停止）" for t in scans]
                cells.append(
                    f"{len(plans)} 条查询；全表扫描：{'、'.join(named) if named else '无'}"
                )
        lines.append(f"| /{page} | " + " | ".join(cells) + " |")
    return lines


def _detail(sides: dict[str, Any], kinds: list[str]) -> list[str]:
    lines = [
        "| 数据库 | 源码 | 页面 | 未缓存各次 | 未缓存中 SQL | 缓存各次 | 冷启动（缓存全清） | 冷启动 SQL | 语句数 | 错误 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in kinds:
        for side in SIDES:
            pages = _get(sides, side, "kinds", kind, "pages", "pages") or {}
            for page in PAGES:
                p = pages.get(page)
                if not p:
                    continue
                lines.append(
                    f"| {LABEL[kind]} | {SIDE_LABEL[side]} | /{page} | {p['uncached_all_ms']} | "
                    f"{p.get('uncached_sql_ms', 0):,.0f} | {p.get('cached_all_ms')} | "
                    f"{p.get('cold_ms', 0):,.0f} | {p.get('cold_sql_ms', 0):,.0f} | "
                    f"{p.get('statements', 0)} | {len(p.get('errors') or [])} |"
                )
    return lines


def plans(sides: dict[str, Any]) -> str:
    """Every distinct query of the pages' cold runs, with its plan, per side and database."""
    lines = [
        "# 查询计划（issue 11，城市规模）",
        "",
        "每页一次冷启动运行（缓存全清、截至数据日期）发出的每条不同的查询（多页共用的只列一次）；"
        "SQLite 为 `EXPLAIN QUERY PLAN`，PostgreSQL 为 `EXPLAIN ANALYZE`（实际执行）。"
        "「⚠ 全表扫描」标出对大表（service_record、volunteer、census_progress、fiscal_monthly、"
        "livelihood_project）的整表或整索引扫描（带 LIMIT 的扫描会提前停止）。"
        "不足 2 ms 且没有大表全表扫描的查询只列语句开头。由 `benchmarks/run.py` 生成。",
        "",
    ]
    for side in ("after", "before"):
        s = sides.get(side)
        if not s:
            continue
        for kind, k in s["kinds"].items():
            pages = _get(k, "pages", "pages") or {}
            lines += [f"## {SIDE_LABEL[side]}（`{s['commit'][:10]}`）· {LABEL[kind]}", ""]
            unique: dict[str, dict[str, Any]] = {}
            for page in PAGES:
                for plan in (pages.get(page) or {}).get("plans") or []:
                    key = plan["sql"] + json.dumps(plan["params"], ensure_ascii=False)
                    entry = unique.setdefault(key, {**plan, "pages": []})
                    entry["pages"].append(page)
            ordered = sorted(unique.values(), key=lambda x: -x["seconds"])
            lines.append(
                f"{len(ordered)} 条不同的查询，冷启动合计 "
                f"{sum(x['seconds'] for x in ordered) * 1000:,.0f} ms。"
            )
            lines.append("")
            brief = []
            for i, plan in enumerate(ordered, 1):
                where = "、".join(f"/{p}" for p in plan["pages"])
                head = " ".join(plan["sql"].split())
                if plan["seconds"] < 0.002 and not plan["full_scans"]:
                    brief.append(f"- {plan['seconds'] * 1000:.1f} ms（{where}）`{head[:100]}`")
                    continue
                flag = " ⚠ 全表扫描 " + "、".join(plan["full_scans"]) if plan["full_scans"] else ""
                lines += [
                    f"### {i}. {plan['seconds'] * 1000:,.1f} ms{flag}（{where}）",
                    "",
                    "```sql",
                    plan["sql"].strip(),
                    f"-- 参数：{json.dumps(plan['params'], ensure_ascii=False)[:300]}",
                    "```",
                    "",
                    "```",
                    "\n".join(plan["plan"][:60]),
                    "```",
                    "",
                ]
            if brief:
                lines += ["其余查询（不足 2 ms）：", "", *brief, ""]
    return "\n".join(lines) + "\n"


def median(values: list[float]) -> float:
    return statistics.median(values)
