/** A refusal of an operator action (CLI, provisioning) with a message meant for the operator. */
export class OperatorError extends Error {}
