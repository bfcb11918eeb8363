import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'react';
import type { DailyStat } from '../api/types';
import { stateVar } from './format';

// Only the chart.js parts a stacked bar chart needs, so the rest tree-shakes away.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export const CHART_STATES = ['SUCCESS', 'WARNING', 'FAILED', 'KILLED', 'RUNNING', 'CREATED', 'PAUSED'];

function cssColor(varExpr: string): string {
  const name = varExpr.replace(/^var\((--[^)]+)\)$/, '$1');
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

export default function DailyChart({ days, theme }: { days: DailyStat[]; theme: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const fg = cssColor('var(--fg)');
    const grid = cssColor('var(--border)');
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: days.map((d) => d.startDate.slice(5, 10)),
        datasets: CHART_STATES.map((s) => ({
          label: s,
          data: days.map((d) => d.executionCounts[s] ?? 0),
          backgroundColor: cssColor(stateVar(s)),
          stack: 'all',
        })).filter((ds) => ds.data.some((n) => n > 0) || ['SUCCESS', 'FAILED'].includes(ds.label)),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { labels: { color: fg } } },
        scales: {
          x: { stacked: true, ticks: { color: fg }, grid: { color: grid } },
          y: { stacked: true, beginAtZero: true, ticks: { color: fg, precision: 0 }, grid: { color: grid } },
        },
      },
    });
    return () => chart.destroy();
  }, [days, theme]);
  const total = days.reduce((n, d) => n + Object.values(d.executionCounts).reduce((a, b) => a + b, 0), 0);
  return (
    <div className="chart-box">
      <canvas ref={canvas} role="img" aria-label={`Executions per day by state over ${days.length} days: ${total} in all`} />
    </div>
  );
}
