/**
 * The input of an event job's target: `{"job":"<name>","event":<the matched event>}`. EventBridge's input
 * transformer puts the whole original event in through its predefined variable `<aws.events.event.json>`
 * (no paths map needed); CDK's EventField can only name paths into the event, not the event itself.
 */
import { RuleTargetInput, type IRuleRef, type RuleTargetInputProperties } from 'aws-cdk-lib/aws-events';

export class JobEventInput extends RuleTargetInput {
  constructor(private readonly job: string) {
    super();
    if (!/^[a-z][a-z0-9-]*$/.test(job)) throw new Error(`job name ${job} must be lowercase letters, digits and dashes`);
  }

  bind(_rule: IRuleRef): RuleTargetInputProperties {
    return { inputTemplate: `{"job":${JSON.stringify(this.job)},"event":<aws.events.event.json>}` };
  }
}
