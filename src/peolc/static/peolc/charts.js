// Draw every chart on the page with plotly.js. Without JavaScript the data tables beside the charts remain.
for (const element of document.querySelectorAll('.peolc-chart')) {
  const spec = JSON.parse(document.getElementById(element.dataset.spec).textContent)
  window.Plotly.newPlot(element, spec.data, spec.layout, { displaylogo: false, responsive: true })
}
