/**
 * `df-planner sim-node --task arm-swap`: the fruit-swap arm sim node (sim/nodes/arm-sim-node.ts) on the transport
 * the command made, until its episodes end or a signal stops it; then its report (text, or one JSON line).
 */
import { createArmEnv } from '../../sim/arm/arm-env.js';
import { ARM_SIM_PARAMS, ArmSimNode, type ArmSimReport } from '../../sim/nodes/index.js';
import { stderrLogger } from '../logging.js';
import { declareParams } from '../params/index.js';
import type { Transport, TransportKind } from '../transport/index.js';
import { onStopSignals, SIGNAL_EXIT_CODE, type StopSignals } from './stop-signals.js';

export async function runArmSimNode(
  transport: Transport,
  kind: TransportKind,
  json: boolean,
): Promise<number> {
  let node: ArmSimNode;
  try {
    const params = declareParams(transport, ARM_SIM_PARAMS);
    const env = await createArmEnv({ logger: stderrLogger });
    // Alone on a bus nothing will ever command the sim: do not wait for a controller that cannot come.
    node = new ArmSimNode(transport, env, {
      ...params,
      waitForController: kind === 'bus' ? false : params.waitForController,
    });
  } catch (err) {
    await transport.close();
    throw err;
  }
  node.start();
  const c = node.config;
  stderrLogger.info(
    `sim node ${transport.fqn}: ${node.env.id}, ${c.lockstep ? 'lockstep' : `real time ×${c.realTimeFactor}`}, ${c.episodes} episode(s), seed ${c.seed} (Ctrl-C to stop)`,
  );
  let signals: StopSignals | undefined;
  const stopped = new Promise<'signal'>((resolve) => {
    signals = onStopSignals((signal) => {
      stderrLogger.info(`${signal}: stopping the sim`);
      resolve('signal');
    });
  });
  try {
    const outcome = await Promise.race([node.done, stopped]);
    const report: ArmSimReport = outcome === 'signal' ? node.interrupt() : outcome;
    process.stdout.write(json ? `${JSON.stringify(reportJson(report))}\n` : reportText(report));
    return outcome === 'signal' ? SIGNAL_EXIT_CODE : 0;
  } finally {
    node.stop();
    await transport.close();
    node.env.close();
    signals?.dispose();
  }
}

function reportJson(report: ArmSimReport): object {
  return {
    task: report.task,
    config: report.config,
    episodes: report.episodes.map(({ graspPath: _g, slots: _s, ...rest }) => rest),
  };
}

function reportText(report: ArmSimReport): string {
  const lines = [
    `${report.task}, ${report.config.lockstep ? 'lockstep' : 'real time'}, seed ${report.config.seed}`,
  ];
  for (const e of report.episodes) {
    const dropped = Object.values(e.rejected).reduce((a, b) => a + b, 0);
    lines.push(
      `episode ${e.index} (case ${e.case}): ${e.steps} steps, ${e.success ? 'swapped' : 'not swapped'}` +
        (report.config.lockstep ? '' : `, ${e.deadlineMisses} deadline misses`) +
        `, ${e.commandsApplied} commands applied, ${dropped} dropped`,
    );
  }
  return `${lines.join('\n')}\n`;
}
