// The percentiles the summary keeps for the latency plot (and --threshold can name). No I/O.
export const PLOT_PERCENTILES = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100];
