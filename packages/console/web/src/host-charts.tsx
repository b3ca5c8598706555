import { useEffect, useRef } from 'preact/hooks';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type TooltipItem,
} from 'chart.js';

// Only the parts a bar chart needs: the bundle carries no other chart type.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
// The page's own text size: Chart.js's 12 px default is hard to read beside it.
Chart.defaults.font.size = 13;

export interface UsageRow {
  label: string;
  used: number;
  total: number;
  unit: string;
}

const fmt = (n: number): string => n.toLocaleString('en', { maximumFractionDigits: 2 });
const pct = (r: UsageRow): number => (r.total > 0 ? Math.min(100, (100 * r.used) / r.total) : 0);

/** One sentence per resource: what a screen reader says for the chart, and what a test reads. */
export function describeUsage(rows: UsageRow[]): string {
  return rows
    .map((r) => `${r.label}: ${fmt(r.used)} of ${fmt(r.total)} ${r.unit} used (${Math.round(pct(r))}%)`)
    .join('; ');
}

/**
 * A host's usage as a horizontal stacked bar per resource (memory, CPU, disk): used and free
 * as shares of the host's total, so resources of different units sit on one scale; the
 * tooltip gives the amounts. Chart.js (canvas), resized with its box, so it stays readable in
 * a narrow window.
 */
export function UsageChart({ rows, title }: { rows: UsageRow[]; title: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const key = JSON.stringify(rows);
  useEffect(() => {
    if (!canvas.current) return undefined;
    const over = (r: UsageRow): string => (pct(r) >= 80 ? '#cf222e' : '#0969da');
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: rows.map((r) => r.label),
        datasets: [
          { label: 'Used', data: rows.map(pct), backgroundColor: rows.map(over) },
          { label: 'Free', data: rows.map((r) => 100 - pct(r)), backgroundColor: '#d0d7de' },
        ],
      },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: {
            stacked: true,
            min: 0,
            max: 100,
            ticks: { callback: (v) => `${v}%` },
            title: { display: true, text: '% of the host' },
          },
          y: { stacked: true },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            callbacks: {
              label: (item: TooltipItem<'bar'>) => {
                const r = rows[item.dataIndex];
                const amount = item.datasetIndex === 0 ? r.used : Math.max(0, r.total - r.used);
                return `${item.dataset.label}: ${fmt(amount)} of ${fmt(r.total)} ${r.unit}`;
              },
            },
          },
        },
      },
    });
    return () => chart.destroy();
    // The rows' values, not the array's identity: a refresh with the same figures redraws nothing.
  }, [key]);
  return (
    <>
      <div class="usage-chart">
        <canvas ref={canvas} role="img" aria-label={`${title}: ${describeUsage(rows)}`}>
          {describeUsage(rows)}
        </canvas>
      </div>
      {/* The amounts in words as well: the bars show shares, a reader also wants the figures. */}
      <ul class="usage-amounts">
        {rows.map((r) => (
          <li>
            {r.label}: {fmt(r.used)} / {fmt(r.total)} {r.unit}
          </li>
        ))}
      </ul>
    </>
  );
}
