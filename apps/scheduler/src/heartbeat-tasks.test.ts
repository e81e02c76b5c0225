import { describe, expect, it } from 'vitest';
import { hasActiveTasks, isAllClear } from './heartbeat-tasks.js';

const template = `# Heartbeat Tasks

<!--
This file is checked periodically.
- not a task: inside a comment
-->

## Active Tasks

<!-- Add your periodic tasks below this line -->
`;

describe('hasActiveTasks', () => {
  it('finds no task in the onboarding template, an empty file or headings only', () => {
    expect(hasActiveTasks(template)).toBe(false);
    expect(hasActiveTasks('')).toBe(false);
    expect(hasActiveTasks('## Active Tasks\n\n### Later\n')).toBe(false);
  });

  it('finds a task line under "Active Tasks", not under other sections', () => {
    expect(hasActiveTasks(`${template}- check the backup log\n`)).toBe(true);
    expect(hasActiveTasks('## Notes\n- not a task\n\n## Active Tasks\n')).toBe(false);
    expect(hasActiveTasks('## Active Tasks\n<!-- a --> water the plants\n')).toBe(true);
  });
});

describe('isAllClear', () => {
  it('silences "All clear." answers and nothing else', () => {
    expect(isAllClear('All clear.')).toBe(true);
    expect(isAllClear('**All clear**')).toBe(true);
    expect(isAllClear('HEARTBEAT_OK')).toBe(true);
    expect(isAllClear('The backup failed last night.')).toBe(false);
  });
});
