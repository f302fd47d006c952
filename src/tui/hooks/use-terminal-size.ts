import { useEffect, useState } from 'react';
import { useStdout } from 'ink';

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** @default 80×24 when the stream does not say (not a TTY). */
function read(stream: NodeJS.WriteStream): TerminalSize {
  return { columns: stream.columns || 80, rows: stream.rows || 24 };
}

/** The size of the stream Ink writes to, updated on its 'resize' events (never process.stdout). */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => read(stdout));
  useEffect(() => {
    const onResize = () => setSize(read(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
