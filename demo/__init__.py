"""Demo data: a living subdistrict for a first start, and a city for the benchmarks."""
