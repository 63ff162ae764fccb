// The report's style sheet, inline (and allowed by its hash: script.ts). Readable on a phone (390 px:
// only tables, code and charts scroll sideways, inside their own box) and on paper: in print the
// controls go, every collapsed part opens, and the colours that carry meaning are kept.
export const STYLE = `
:root{--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--skip:#6e7781;--waived:#8250df;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa}
*{box-sizing:border-box}[hidden]{display:none!important}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1rem;color:var(--fg);background:var(--bg);max-width:72rem}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .4rem}h3{font-size:1rem;margin:.2rem 0}
a{color:inherit}nav a{margin-right:.8rem}
.facts{color:var(--muted);margin:.2rem 0 .6rem}.facts span{display:inline-block;margin-right:1rem;overflow-wrap:anywhere}
.verdict{display:inline-block;padding:.15rem .6rem;border-radius:1rem;color:#fff;font-weight:600}
.verdict.pass{background:var(--pass)}.verdict.fail{background:var(--fail)}.verdict.incomplete{background:var(--warn)}
.verdict-line{margin:.3rem 0;overflow-wrap:anywhere}
.label{color:var(--muted);font-size:.85rem}.cause{margin:.3rem 0}
.mark{font-weight:700;margin-right:.3rem}
.fail .mark,td.fail{color:var(--fail)}.warn .mark,td.warn{color:var(--warn)}.skip .mark,td.skip{color:var(--skip)}.pass .mark,td.pass{color:var(--pass)}.waived .mark,td.waived{color:var(--waived)}
.table-wrap,.grid-wrap{overflow-x:auto}
table.overview{border-collapse:collapse;margin:.3rem 0;font-variant-numeric:tabular-nums}
table.overview th,table.overview td{padding:.2rem .5rem;border-bottom:1px solid var(--line);text-align:right}
table.overview th[scope=row],table.overview thead th:first-child{text-align:left;overflow-wrap:anywhere}
table.overview thead th{font-size:.85rem;color:var(--muted);font-weight:600}table.overview tfoot th,table.overview tfoot td{border-top:2px solid var(--line);font-weight:600}
table.overview td.fail,table.overview td.waived,table.overview td.warn{font-weight:700}td.zero{color:var(--line)}
.check{border:1px solid var(--line);border-left-width:.35rem;border-radius:.3rem;padding:.5rem .7rem;margin:.4rem 0;break-inside:avoid}
.check.fail{border-left-color:var(--fail)}.check.warn{border-left-color:var(--warn)}.check.skip{border-left-color:var(--skip)}.check.pass{border-left-color:var(--pass);padding:.25rem .7rem}.check.waived{border-left-color:var(--waived)}
.check.pass p{margin:.1rem 0;color:var(--muted);overflow-wrap:anywhere}.check p{overflow-wrap:anywhere}
.waiver{color:var(--waived);font-weight:600}
.self{text-decoration:none}.self:hover,.self:focus{text-decoration:underline}
:target{outline:2px solid var(--fg);outline-offset:2px}
pre{background:var(--soft);padding:.5rem;border-radius:.3rem;overflow-x:auto;font-size:.82rem;line-height:1.3;white-space:pre}
table.grid{border-collapse:collapse;font:.8rem ui-monospace,monospace;margin:.3rem 0}
table.grid th,table.grid td{border:1px solid var(--line);padding:.1rem .35rem;text-align:center}
table.grid th{background:var(--soft);font-weight:600}table.grid th.row{text-align:left}
td.ok{background:#dafbe1;color:var(--pass)}td.bad{background:#ffebe9;color:var(--fail);font-weight:700}td.unknown{background:#fff8c5;color:var(--warn)}td.none{color:var(--muted)}table.grid caption{text-align:left;font-weight:600;padding:.1rem 0}
details>summary{cursor:pointer}summary h2{display:inline}#skipped{margin-top:1.6rem}.incomplete-note{border:1px solid var(--warn);padding:.5rem;border-radius:.3rem;background:#fff8c5}
.filters{display:flex;flex-wrap:wrap;gap:.3rem .8rem;align-items:center;background:var(--bg);padding:.4rem 0;border-bottom:1px solid var(--line)}
.filters label{white-space:nowrap}.filters input[type=search]{font:inherit;padding:.2rem .4rem;min-width:0;flex:1 1 10rem;max-width:20rem}
.reason p{margin:.5rem 0 .2rem}.reason ul{margin:0;padding-left:0;list-style:none}li.check{padding:.2rem .6rem;margin:.2rem 0;overflow-wrap:anywhere}
.tl{--lw:20rem;--n:4;font-size:.85rem}.tl[data-ticks="2"]{--n:2}.tl[data-ticks="3"]{--n:3}.tl[data-ticks="5"]{--n:5}.tl[data-ticks="6"]{--n:6}
.tl-row{display:grid;grid-template-columns:var(--lw) 1fr 4rem;gap:.5rem;align-items:center;min-height:1.3rem}
.tl-row>:first-child{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.tl-row>span:last-child{text-align:right;white-space:nowrap;color:var(--muted);font-variant-numeric:tabular-nums}
.tl-row svg{display:block;width:100%;height:.7rem;background:repeating-linear-gradient(to right,var(--line) 0 1px,transparent 1px calc(100% / var(--n)))}
.tl-row rect{height:100%;fill:var(--skip)}.tl-row.pass rect{fill:var(--pass)}.tl-row.fail rect{fill:var(--fail)}.tl-row.warn rect{fill:var(--warn)}.tl-row.waived rect{fill:var(--waived)}
.tl-row.crit>a{font-weight:700}.tl-row.crit rect{stroke:var(--fg);stroke-width:2px;vector-effect:non-scaling-stroke}
summary.tl-row{display:grid;font-weight:600}summary.tl-row::-webkit-details-marker{display:none}summary.tl-row>span:first-child::before{content:"▸ ";color:var(--muted)}details[open]>summary.tl-row>span:first-child::before{content:"▾ "}
.tl-axis .ticks{display:grid;grid-template-columns:repeat(var(--n),1fr);position:relative;color:var(--muted)}.tl-axis .ticks span:last-child{position:absolute;right:0;top:0}
.tl-group,.tl-suite{margin:.4rem 0}.tl-group h3{font-size:.9rem}
figure{margin:.6rem 0 1rem;break-inside:avoid}figcaption{margin:0 0 .3rem}
svg.chart{display:block;width:100%;max-width:26rem;height:auto;color:var(--fg)}
.diff ul{margin:.3rem 0;padding-left:1.2rem}.diff summary h3{display:inline}.diff li{margin:.2rem 0;overflow-wrap:anywhere}.diff .detail{color:var(--muted);font-size:.85rem}
@media (min-width:40rem){.filters{position:sticky;top:0;z-index:1}#checks [data-status]{scroll-margin-top:3.5rem}}
@media (max-width:40rem){.tl-row{grid-template-columns:1fr 3.2rem;gap:0 .3rem}.tl-row>:first-child{grid-column:1/-1}.tl-axis>span:first-child{display:none}table.overview th,table.overview td{padding:.2rem .3rem}table.overview .word{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}}
@media print{*{-webkit-print-color-adjust:exact;print-color-adjust:exact}body{max-width:none;padding:0;font-size:11pt}nav,.filters{display:none}
details::details-content{content-visibility:visible;display:block}details>summary{list-style:none}summary.tl-row>span:first-child::before{content:none}
pre{white-space:pre-wrap;overflow-wrap:anywhere}a{text-decoration:none}:target{outline:none}h2{break-after:avoid}svg.chart{max-width:30rem}}
`;
