"""The read path of a chart: its points as plain data and the Plotly figures drawn from them."""
