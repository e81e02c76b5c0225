// Preloaded into the cluster's node processes by a fault test (NODE_OPTIONS=--import this file):
// SIGURG (ignored by default, used by nothing here) makes the process reject a promise that
// no one handles, as a bug would. Node's default then ends the process with exit code 1.
process.on('SIGURG', () => {
  void Promise.reject(new Error('fault test: unhandled rejection'));
});
