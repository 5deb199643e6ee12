import { describe, expect, it } from 'vitest';
import { lineFormatter } from './service-output.mjs';

// A plugin's ctx.log message becomes the backend's log message, and `npm start` prints it to the
// admin's terminal: an installed plugin must not be able to send that terminal escape sequences
// (clear the screen, move the cursor over the "ready" line, set the title, write the clipboard).
const record = (msg: string) => JSON.stringify({ level: 30, time: Date.now(), plugin: 'evil', msg });

describe("npm start's readable log lines", () => {
  it.each([true, false])('shows the control characters of a message instead of sending them (colour %s)', async (colour) => {
    const format = await lineFormatter({ colour });
    const text = format(record('hi\u001b]52;c;cHduZWQ=\u0007\u001b[2J\rback\u009b31m'));
    // Colour codes of the formatter's own are fine; none of the message's bytes reach the terminal as such.
    /* eslint-disable no-control-regex -- control characters are what this test looks for */
    const withoutOwnColours = text.replace(/\u001b\[[0-9;]*m/g, '');
    expect(withoutOwnColours).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    /* eslint-enable no-control-regex */
    expect(withoutOwnColours).toContain('hi\\x1b]52;c;cHduZWQ=\\x07\\x1b[2J\\rback\\x9b31m');
  });
});
