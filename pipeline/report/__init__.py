"""Reports: figure style, aggregates for figures (disclosure-controlled), drawing, papermill runs."""
