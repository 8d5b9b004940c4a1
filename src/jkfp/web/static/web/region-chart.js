// The stacked bar chart of the region page: categories per child region (data from the table).
(function () {
  var el = document.getElementById("region-chart");
  var src = document.getElementById("region-chart-data");
  if (!el || !src || !window.echarts) return;
  var data = JSON.parse(src.textContent);
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { type: "scroll", top: 0 },
    grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.regions, inverse: true },
    series: data.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "all", data: s.data, barMaxWidth: 22,
               itemStyle: { color: s.color } };
    })
  });
  el.style.height = Math.max(240, 60 + data.regions.length * 32) + "px";
  chart.resize();
  window.addEventListener("resize", function () { chart.resize(); });
})();
