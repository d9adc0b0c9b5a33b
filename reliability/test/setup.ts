// Fails any test that writes to the console (the shared guard, see @causeflow/devkit).
import '@causeflow/devkit/console-guard';
