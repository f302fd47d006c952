// Stands in for react-devtools-core in dist/bundle (scripts/bundle.mjs): Ink imports it only
// when DEV=true, which the bundle does not support; unbundled dist/ still does.
export default {};
