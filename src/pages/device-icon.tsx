import type { DeviceKind } from '../http/device.js'

const SHAPES: Record<DeviceKind, { label: string; paths: string[]; rects: Array<[number, number, number, number]> }> = {
  desktop: { label: 'Computer', rects: [[3, 4, 18, 12]], paths: ['M8 20h8', 'M12 16v4'] },
  mobile: { label: 'Phone', rects: [[7, 2.5, 10, 19]], paths: ['M11 18.5h2'] },
  tablet: { label: 'Tablet', rects: [[4.5, 2.5, 15, 19]], paths: ['M11 18.5h2'] },
  unknown: { label: 'Other device', rects: [[3, 4, 18, 16]], paths: ['M7 9l3 3-3 3', 'M12 15h5'] },
}

/**
 * A small inline SVG of the kind of device (phone, tablet, computer, other), named for assistive
 * technology. Presentation attributes only: the page CSP allows no inline style.
 */
export function DeviceIcon({ kind }: { kind: DeviceKind }) {
  const shape = SHAPES[kind]
  return (
    <span class={`device-icon device-icon-${kind}`}>
      <svg
        role="img"
        aria-label={shape.label}
        viewBox="0 0 24 24"
        width="24"
        height="24"
        fill="none"
        stroke="currentColor"
        stroke-width="1.75"
        stroke-linecap="round"
        stroke-linejoin="round"
        focusable="false"
      >
        {shape.rects.map(([x, y, width, height]) => (
          <rect x={String(x)} y={String(y)} width={String(width)} height={String(height)} rx="2" />
        ))}
        {shape.paths.map((d) => (
          <path d={d} />
        ))}
      </svg>
    </span>
  )
}
