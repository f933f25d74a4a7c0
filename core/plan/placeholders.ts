/**
 * Values known only after cloud resources exist (an Elastic IP, an NLB's DNS name). The plan
 * carries these placeholders; the Pulumi layer substitutes them, and `npm run render` shows them.
 */
export const LATE = {
  /** Host part of the control-plane endpoint when it is an NLB DNS name. */
  controlPlaneHost: "@CONTROL_PLANE_HOST@",
  /** Public address of the API (Elastic IP of the VIP), added to the api-server certificate. */
  publicApiAddress: "@PUBLIC_API_ADDRESS@",
} as const;

/** Name of a late value. */
export type LateName = keyof typeof LATE;
