// Tests assert on behaviour, not log output: keep logs quiet unless asked for.
process.env.KESTREL_LOG_LEVEL = process.env.KESTREL_LOG_LEVEL || 'warn';
