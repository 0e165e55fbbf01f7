/** The one table the suite prints: a row per measured figure, parley beside the peer. */
export interface Row {
  section: string;
  figure: string;
  parley: number;
  peer: number | undefined;
  unit: string;
  /** What a good ratio looks like, e.g. ">= 0.95" (parley / peer, or as the figure says). */
  target?: string;
  /** The ratio when it is not parley / peer (e.g. turn 20 / turn 1). */
  ratio?: number;
}

export function ratioOf(r: Row): number | undefined {
  if (r.ratio !== undefined) return r.ratio;
  return r.peer === undefined || !Number.isFinite(r.peer) ? undefined : r.parley / r.peer;
}

const fmt = (x: number | undefined, unit: string): string => {
  if (x === undefined || !Number.isFinite(x)) return "-";
  const digits = unit === "tok/s" || unit === "MB" ? 1 : 0;
  return x >= 1000 && digits === 1 ? x.toFixed(0) : x.toFixed(digits);
};

export function renderTable(rows: readonly Row[]): string {
  const head = ["section", "figure", "parley", "peer", "unit", "ratio", "target"];
  const body = rows.map((r) => {
    const ratio = ratioOf(r);
    return [
      r.section,
      r.figure,
      fmt(r.parley, r.unit),
      fmt(r.peer, r.unit),
      r.unit,
      ratio === undefined ? "-" : `${ratio.toFixed(2)}x`,
      r.target ?? "",
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join(" | ")
      .trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("-|-"), ...body.map(line)].join("\n");
}

/** The same table in Markdown, for docs/performance.md. */
export function renderMarkdown(rows: readonly Row[]): string {
  const out = [
    "| section | figure | parley | peer | unit | ratio | target |",
    "| --- | --- | ---: | ---: | --- | ---: | --- |",
  ];
  for (const r of rows) {
    const ratio = ratioOf(r);
    out.push(
      `| ${r.section} | ${r.figure} | ${fmt(r.parley, r.unit)} | ${fmt(r.peer, r.unit)} | ${r.unit} | ${ratio === undefined ? "-" : `${ratio.toFixed(2)}x`} | ${r.target ?? ""} |`,
    );
  }
  return out.join("\n");
}
