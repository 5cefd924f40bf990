"""Historical data import: CSV/XLSX files mapped, previewed and fed through the pipeline."""
