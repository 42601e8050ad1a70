import cliProgress from 'cli-progress';
import type { ProgressFn } from '../fingerprints/types.js';

/**
 * Progress bars on stderr (stdout stays clean for --json). One bar per stage; a bar appears only
 * for stages still running after a second, so quick steps stay quiet. Nothing is drawn when stderr
 * is not a terminal.
 */
export class ProgressBars {
  private bar?: cliProgress.SingleBar;
  private stage?: string;
  private stageStart = 0;

  readonly report: ProgressFn = ({ stage, done, total }) => {
    if (!process.stderr.isTTY) return;
    if (stage !== this.stage) {
      this.stop();
      this.stage = stage;
      this.stageStart = Date.now();
    }
    if (!this.bar && done < total && Date.now() - this.stageStart > 1000) {
      this.bar = new cliProgress.SingleBar(
        { format: `${stage.padEnd(36).slice(0, 36)} {bar} {value}/{total} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, done);
    }
    this.bar?.update(done);
    if (done >= total) this.stop();
  };

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
