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
      // one stack per unit (household / person / both): households and persons never add up
      return { name: s.name, type: "bar", stack: s.stack, data: s.data, barMaxWidth: 14,
               itemStyle: { color: s.color } };
    })
  });
  var stacks = {};
  data.series.forEach(function (s) { stacks[s.stack] = true; });
  var per = 14 * Object.keys(stacks).length + 14;
  el.style.height = Math.max(240, 60 + data.regions.length * per) + "px";
  chart.resize();
  window.addEventListener("resize", function () { chart.resize(); });
})();
