// tfjs-core's CommonJS build registers neither op gradients nor the chained tensor methods
// (x.reshape(…)); the @tensorflow/tfjs umbrella's Node build bundles both registrations.
// Load it once, here, before anything trains. (It shares our tfjs-core instance.)
import '@tensorflow/tfjs';
