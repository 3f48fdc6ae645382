/** xhr2 ships no types: it is an XMLHttpRequest for Node, used only to run dicomweb-client in tests. */
declare module 'xhr2' {
  const XMLHttpRequest: new () => object;
  export default XMLHttpRequest;
}
