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
  // The region's map (decision 78): fetched by version, sub-regions coloured by the chosen
  // indicator (red the worse end), a click opens the sub-region's dashboard.
  var mapBox = document.getElementById("ind-map");
  if (mapBox && data.map) {
    var m = data.map;
    var byCode = {};
    m.values.forEach(function (v) { byCode[v.name] = v; });
    fetch(m.url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("map " + r.status);
      return r.json();
    }).then(function (geo) {
      echarts.registerMap(m.key, geo);
      var vals = m.values.map(function (v) { return v.value; }).filter(function (v) { return v !== null; });
      var lo = vals.length ? Math.min.apply(null, vals) : 0;
      var hi = vals.length ? Math.max.apply(null, vals) : 1;
      if (lo === hi) { lo = lo - 1; hi = hi + 1; }
      var colours = ["#b3261e", "#e8a33d", "#f3e29b", "#7fb77e", "#2f6f4f"];
      if (!m.higher) colours = colours.slice().reverse();
      var chart = echarts.init(mapBox, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        tooltip: { trigger: "item", formatter: function (p) {
          var v = byCode[p.name];
          return v ? v.label + "：" + v.shown : (p.name || "");
        } },
        visualMap: { type: "continuous", min: lo, max: hi, calculable: false, left: 8, bottom: 8,
                     inRange: { color: colours }, text: [m.percent ? hi.toFixed(1) + "%" : String(hi),
                                                          m.percent ? lo.toFixed(1) + "%" : String(lo)] },
        series: [{
          type: "map", map: m.key, nameProperty: "code", roam: false, selectedMode: false,
          label: { show: true, fontSize: 11, formatter: function (p) {
            var v = byCode[p.name];
            return v ? v.label : "";
          } },
          emphasis: { label: { show: true }, itemStyle: { areaColor: "#9ec5e8" } },
          itemStyle: { borderColor: "#555", borderWidth: 0.8, areaColor: "#e6e6e6" },
          data: m.values.map(function (v) { return { name: v.name, value: v.value }; })
        }]
      });
      chart.on("click", function (p) {
        var v = byCode[p.name];
        if (v && v.url) window.location.href = v.url;
      });
      mapBox.setAttribute("data-ready", "1");
      charts.push(chart);
    }).catch(function (e) { mapBox.textContent = "地图载入失败：" + e.message; });
  }
  window.addEventListener("resize", function () { charts.forEach(function (x) { x.resize(); }); });
  window.addEventListener("beforeprint", function () { charts.forEach(function (x) { x.resize(); }); });
})();
