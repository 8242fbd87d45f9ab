/**
 * How much of everything a run does: the full run (every figure a median of at least 5 repetitions, 1 GiB
 * of output, 60 s at rest) or `--quick` (3 repetitions, shorter windows, less output).
 * @module
 */

export interface Plan {
  quick: boolean;
  /** At rest: windows, their length, the settling time before them, and the "many programs" count. */
  restWindows: number;
  restWindowMs: number;
  restSettleMs: number;
  manyPrograms: number;
  latencyReps: number;
  /** Stop of a program that ignores the stop signals: each repetition takes the 3 s escalation. */
  stubbornReps: number;
  throughputBytes: number;
  throughputReps: number;
  rotateBytes: number;
  cliReps: number;
  wine: {
    scmReps: number;
    latencyReps: number;
    stubbornReps: number;
    throughputBytes: number;
    throughputReps: number;
    rotateBytes: number;
    restWindows: number;
    restWindowMs: number;
    cliReps: number;
  };
}

const MiB = 2 ** 20;

export function plan(quick: boolean): Plan {
  return quick
    ? {
      quick,
      restWindows: 3,
      restWindowMs: 2_000,
      restSettleMs: 2_000,
      manyPrograms: 50,
      latencyReps: 3,
      stubbornReps: 3,
      throughputBytes: 64 * MiB,
      throughputReps: 3,
      rotateBytes: 16 * MiB,
      cliReps: 3,
      wine: {
        scmReps: 3,
        latencyReps: 3,
        stubbornReps: 3,
        throughputBytes: 32 * MiB,
        throughputReps: 3,
        rotateBytes: 8 * MiB,
        restWindows: 3,
        restWindowMs: 2_000,
        cliReps: 3,
      },
    }
    : {
      quick,
      restWindows: 5,
      restWindowMs: 12_000,
      restSettleMs: 5_000,
      manyPrograms: 50,
      latencyReps: 7,
      stubbornReps: 5,
      throughputBytes: 1024 * MiB,
      throughputReps: 5,
      rotateBytes: 64 * MiB,
      cliReps: 10,
      wine: {
        scmReps: 7,
        latencyReps: 7,
        stubbornReps: 5,
        throughputBytes: 128 * MiB,
        throughputReps: 5,
        rotateBytes: 16 * MiB,
        restWindows: 5,
        restWindowMs: 12_000,
        cliReps: 10,
      },
    };
}
