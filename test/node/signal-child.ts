/**
 * A process for the SIGINT test (cli-node.test.ts): `df-planner node` (the real command, its own signal
 * handling) on a real-time bus it shares with an observer node. The observer feeds odom at 100 Hz and prints
 * every cmd_force it receives as one JSON line `{"x":…,"y":…}` on stdout, so the test sees the commands
 * themselves, the last one included, from another node. Arguments are those of `df-planner node`.
 */
import { runNodeCommand } from '../../src/cli/node.js';
import { stderrLogger } from '../../src/logging.js';
import { MAZE_QOS, MAZE_TOPICS, MAZE_TYPES } from '../../src/node/index.js';
import { createBus } from '../../src/transport/index.js';
import { odomMessage } from './node-harness.js';

const bus = createBus({ time: 'real', logger: stderrLogger });
const observer = bus.node('observer');
observer
  .observe(MAZE_TYPES.command, MAZE_TOPICS.command, 'default')
  .subscribe((r) => process.stdout.write(`${JSON.stringify(r.msg.wrench.force)}\n`));
const publishOdom = observer.advertise(MAZE_TYPES.odom, MAZE_TOPICS.odom, MAZE_QOS.odom);
observer.start();
let step = 0;
const feed = setInterval(() => {
  step += 1;
  publishOdom(odomMessage(1 + 0.001 * step, 1, 0.1, 0, observer.nowNs()));
}, 10);

const code = await runNodeCommand(process.argv.slice(2), { bus });
clearInterval(feed);
await bus.idle();
await bus.close();
process.exitCode = code;
