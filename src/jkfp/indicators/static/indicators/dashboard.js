// The indicator dashboard's charts: every indicator against its target (red where short) and
// the trend of the chosen one over 12 months; data from the page (json_script).
(function () {
  var print = document.getElementById("ind-print");
  if (print) print.addEventListener("click", function () { window.print(); });
  var src = document.getElementById("ind-data");
  if (!src || !window.echarts) return;
  var data = JSON.parse(src.textContent);
  var charts = [];
  var bars = document.getElementById("ind-bars");
  if (bars && data.bars.length) {
    bars.style.height = Math.max(220, 40 + data.bars.length * 28) + "px";
    var c = echarts.init(bars, null, { renderer: "svg" });
    c.setOption({
      animation: false,
      tooltip: { trigger: "item" },
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: data.bars.map(function (b) { return b.name; }) },
      series: [
        { type: "bar", barMaxWidth: 16, label: { show: true, position: "right", formatter: "{c}%" },
          data: data.bars.map(function (b) {
            return { value: b.value, itemStyle: { color: b.short ? "#b3261e" : "#2f6f4f" } };
          }) },
        { type: "scatter", symbol: "rect", symbolSize: [3, 18], name: "目标",
          data: data.bars.map(function (b) { return b.target; }), itemStyle: { color: "#222" } }
      ]
    });
    charts.push(c);
  }
  var trend = document.getElementById("ind-trend");
  if (trend && data.trend.periods.length) {
    trend.style.height = "240px";
    var t = echarts.init(trend, null, { renderer: "svg" });
    var series = [{ type: "line", data: data.trend.values, name: "值", itemStyle: { color: "#1f5f99" } }];
    if (data.trend.target !== null) {
      series[0].markLine = { symbol: "none", data: [{ yAxis: data.trend.target, name: "目标" }],
                             lineStyle: { color: "#b3261e", type: "dashed" } };
    }
    t.setOption({
      animation: false, tooltip: { trigger: "axis" },
      grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.trend.periods },
      yAxis: { type: "value", minInterval: data.trend.percent ? 0 : 1,
               axisLabel: { formatter: data.trend.percent ? "{value}%" : "{value}" } },
      series: series
    });
    charts.push(t);
  }
  window.addEventListener("resize", function () { charts.forEach(function (x) { x.resize(); }); });
  window.addEventListener("beforeprint", function () { charts.forEach(function (x) { x.resize(); }); });
})();
