export { actorOf, type Viewer } from '../core/viewer.js';
