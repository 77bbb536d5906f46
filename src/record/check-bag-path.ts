/**
 * The bag path rules, checked before a run starts so that a long run never ends without its bag: the name ends
 * in `.mcap` (ros2 bag picks the storage plugin by the extension) and no file is there yet (a bag is never
 * overwritten, as `ros2 bag record` refuses an existing output).
 */
import { existsSync } from 'node:fs';
import { ConfigError } from '../errors.js';

export function checkBagPath(file: string, flag = '--record'): void {
  if (!file.endsWith('.mcap')) {
    throw new ConfigError(
      `${file}: a ROS 2 bag file must end in .mcap (ros2 bag chooses the storage by it), e.g. ${flag} runs/run.mcap`,
      flag,
    );
  }
  if (existsSync(file)) {
    throw new ConfigError(
      `${file}: the file exists and a bag is never overwritten; choose another name or delete it`,
      flag,
    );
  }
}
