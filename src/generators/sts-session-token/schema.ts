import { z } from 'zod';

import { awsSessionFields } from '../../providers/aws/index.js';

/** `requestParameters`: what is passed on to STS GetSessionToken. */
const requestParametersSchema = z
  .strictObject({
    sessionDuration: z
      .number()
      .int()
      .min(900)
      .max(129_600)
      .optional()
      .describe('Seconds the credentials stay valid, 900 to 129600; default (AWS) 43200.'),
    serialNumber: z
      .string()
      .min(9)
      .max(256)
      .optional()
      .describe('Serial number or ARN of the MFA device of the calling IAM user.'),
    tokenCode: z
      .string()
      .regex(/^\d{6}$/, { error: 'tokenCode must be the six digits of the MFA device' })
      .optional()
      .describe('The current code of that MFA device.'),
  })
  .refine(
    (parameters) =>
      (parameters.serialNumber === undefined) === (parameters.tokenCode === undefined),
    {
      error: 'serialNumber and tokenCode go together: set both or neither',
    },
  )
  .describe('Parameters of the GetSessionToken call.');

/**
 * `spec` of an STSSessionToken generator, with the External Secrets Operator's names:
 * the AWS session (`region`, `auth`, `role`) and the GetSessionToken parameters.
 */
export const stsSessionTokenSpecSchema = z
  .strictObject({
    ...awsSessionFields,
    requestParameters: requestParametersSchema.optional(),
  })
  .describe('Temporary AWS credentials from STS GetSessionToken.');

/** The validated spec of an STSSessionToken generator. */
export type StsSessionTokenSpec = z.infer<typeof stsSessionTokenSpecSchema>;
