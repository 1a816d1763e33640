/**
 * @rjsf/core themed with Blueprint, so an offering's request form looks like the rest of Apollo: FormGroup labels
 * and helper text (the field's error in place of its help), InputGroup / TextArea / HTMLSelect / Switch / Checkbox
 * inputs, fields grouped under their steps (formContext.steps), no error list above the form (each field says its
 * own); messages in words come from rjsf-errors.ts.
 */
import { Button, Checkbox, Classes, FormGroup, HTMLSelect, InputGroup, Switch, TextArea } from '@blueprintjs/core';
import { withTheme } from '@rjsf/core';
import {
  ariaDescribedByIds, enumOptionsDeselectValue, enumOptionsIsSelected, enumOptionsSelectValue, enumOptionSelectedValue, enumOptionValueDecoder,
  enumOptionValueEncoder, getInputProps, getOptionValueFormat, getSubmitButtonOptions, optionId,
  type BaseInputTemplateProps, type FieldTemplateProps, type ObjectFieldTemplateProps, type SubmitButtonProps, type WidgetProps,
} from '@rjsf/utils';
import type { ChangeEvent } from 'react';
import './rjsf-blueprint.css';

export interface FormStepInfo {
  id: string;
  title: string;
  description?: string;
  fields: string[];
}

/** What the themed form reads from formContext. */
export interface BlueprintFormContext {
  steps?: FormStepInfo[];
  /** Field ids shown only under a condition (marked data-conditional, for tests and styling). */
  conditional?: readonly string[];
  /**
   * The fields whose errors show (touched ones), or 'all' once the form was submitted; absent: all. Data, not a
   * function: rjsf compares formContext ignoring functions, so a new function would never reach the fields.
   */
  showErrorsFor?: readonly string[] | 'all';
}

const showsErrors = (context: BlueprintFormContext | undefined, name: string) =>
  !context?.showErrorsFor || context.showErrorsFor === 'all' || context.showErrorsFor.includes(name);

const fieldName = (id: string) => id.replace(/^root_/, '');
/** Whether a widget shows itself in error: it has one and the form shows this field's errors yet. */
const inError = ({ id, rawErrors, registry }: Pick<WidgetProps, 'id' | 'rawErrors' | 'registry'>) =>
  Boolean(rawErrors?.length) && showsErrors(registry.formContext as BlueprintFormContext | undefined, fieldName(id));

function FieldTemplate(props: FieldTemplateProps) {
  const { id, label, children, rawErrors, rawHelp, rawDescription, required, hidden, displayLabel, schema, registry } = props;
  if (hidden) return <div hidden>{children}</div>;
  if (id === 'root' || schema.type === 'object') return children;
  const context = registry.formContext as BlueprintFormContext | undefined;
  const name = fieldName(id);
  const error = showsErrors(context, name) ? rawErrors?.find(Boolean) : undefined;
  const help = rawHelp ?? rawDescription;
  // A switch carries its own label.
  const showLabel = displayLabel && schema.type !== 'boolean';
  return (
    <FormGroup
      label={showLabel ? label : undefined}
      labelFor={id}
      labelInfo={showLabel && required ? '(required)' : undefined}
      intent={error ? 'danger' : 'none'}
      helperText={error ? <span data-testid="field-error">{error}</span> : help}
      className="apollo-rjsf-field"
      data-testid="form-field"
      data-id={name}
      data-conditional={context?.conditional?.includes(name) ? 'true' : 'false'}
    >
      {children}
    </FormGroup>
  );
}

function ObjectFieldTemplate({ properties, registry }: ObjectFieldTemplateProps) {
  const steps = (registry.formContext as BlueprintFormContext | undefined)?.steps;
  if (!steps || steps.length <= 1) return <div className="apollo-rjsf-fields">{properties.map((p) => p.content)}</div>;
  const byName = new Map(properties.map((p) => [p.name, p]));
  return (
    <div className="apollo-rjsf-fields">
      {steps.map((step, i) => {
        const shown = step.fields.map((f) => byName.get(f)).filter((p) => p !== undefined);
        // A step whose fields are all hidden (production settings for a dev database) is not shown at all.
        if (shown.length === 0) return null;
        return (
          <fieldset key={step.id} className="apollo-rjsf-step" data-testid="form-step" data-id={step.id}>
            <legend><span className="apollo-rjsf-step-number">{i + 1}</span>{step.title}</legend>
            {step.description && <p className="apollo-rjsf-step-description">{step.description}</p>}
            {shown.map((p) => p.content)}
          </fieldset>
        );
      })}
    </div>
  );
}

function BaseInputTemplate(props: BaseInputTemplateProps) {
  const { id, htmlName, value, readonly, disabled, autofocus, onBlur, onFocus, onChange, onChangeOverride, options, schema, type, placeholder } = props;
  const inputProps = getInputProps(schema, type, options);
  const numeric = inputProps.type === 'number' || inputProps.type === 'integer';
  const shown = numeric ? (value || value === 0 ? value : '') : (value ?? '');
  return (
    <InputGroup
      id={id}
      name={htmlName ?? id}
      {...inputProps}
      value={shown}
      readOnly={readonly}
      disabled={disabled}
      autoFocus={autofocus}
      placeholder={placeholder}
      intent={inError(props) ? 'danger' : 'none'}
      autoComplete={(options.autocomplete as string | undefined) ?? (inputProps.type === 'password' ? 'new-password' : undefined)}
      onChange={onChangeOverride ?? ((e: ChangeEvent<HTMLInputElement>) => onChange(e.target.value === '' ? options.emptyValue : e.target.value))}
      onBlur={(e) => onBlur(id, e.target.value)}
      onFocus={(e) => onFocus(id, e.target.value)}
      aria-describedby={ariaDescribedByIds(id)}
    />
  );
}

function TextareaWidget(props: WidgetProps) {
  const { id, htmlName, value, readonly, disabled, autofocus, onBlur, onFocus, onChange, options, placeholder } = props;
  return (
    <TextArea
      id={id}
      name={htmlName ?? id}
      value={value ?? ''}
      readOnly={readonly}
      disabled={disabled}
      autoFocus={autofocus}
      placeholder={placeholder}
      rows={(options.rows as number | undefined) ?? 3}
      fill
      autoResize
      intent={inError(props) ? 'danger' : 'none'}
      onChange={(e) => onChange(e.target.value === '' ? options.emptyValue : e.target.value)}
      onBlur={(e) => onBlur(id, e.target.value)}
      onFocus={(e) => onFocus(id, e.target.value)}
      aria-describedby={ariaDescribedByIds(id)}
    />
  );
}

function SelectWidget({ id, htmlName, schema, options, value, disabled, readonly, multiple = false, autofocus, onChange, onBlur, onFocus, placeholder }: WidgetProps) {
  const { enumOptions = [], enumDisabled, emptyValue } = options;
  const format = getOptionValueFormat(options);
  const read = (el: HTMLSelectElement) => (multiple ? Array.from(el.options).filter((o) => o.selected).map((o) => o.value) : el.value);
  const decode = (el: HTMLSelectElement) => enumOptionValueDecoder(read(el), enumOptions, format, emptyValue);
  const selected = enumOptionSelectedValue(value, enumOptions, multiple, format, multiple ? [] : '');
  const choices = enumOptions.map((o, i) => (
    <option key={String(o.value)} value={enumOptionValueEncoder(o.value, i, format)} disabled={enumDisabled?.includes(o.value)}>{o.label}</option>
  ));
  if (multiple) {
    // Blueprint's HTMLSelect is single-choice; a native multiple select with its input look.
    return (
      <select id={id} name={htmlName ?? id} multiple className={`${Classes.INPUT} ${Classes.FILL} apollo-rjsf-multiple`} value={selected as string[]} disabled={disabled || readonly}
        autoFocus={autofocus} onChange={(e) => onChange(decode(e.target))} onBlur={(e) => onBlur(id, decode(e.target))} onFocus={(e) => onFocus(id, decode(e.target))} aria-describedby={ariaDescribedByIds(id)}>
        {choices}
      </select>
    );
  }
  return (
    <HTMLSelect
      id={id}
      name={htmlName ?? id}
      fill
      value={selected as string}
      disabled={disabled || readonly}
      autoFocus={autofocus}
      onChange={(e) => onChange(decode(e.target))}
      onBlur={(e) => onBlur(id, decode(e.target))}
      onFocus={(e) => onFocus(id, decode(e.target))}
      aria-describedby={ariaDescribedByIds(id)}
    >
      {schema.default === undefined && <option value="">{placeholder || 'Choose…'}</option>}
      {choices}
    </HTMLSelect>
  );
}

function CheckboxWidget({ id, htmlName, value, disabled, readonly, label, hideLabel, autofocus, onChange, onBlur, onFocus }: WidgetProps) {
  return (
    <Switch
      id={id}
      name={htmlName ?? id}
      checked={value === true}
      label={hideLabel ? undefined : label}
      disabled={disabled || readonly}
      autoFocus={autofocus}
      onChange={(e) => onChange((e.target as HTMLInputElement).checked)}
      onBlur={() => onBlur(id, value)}
      onFocus={() => onFocus(id, value)}
      aria-describedby={ariaDescribedByIds(id)}
    />
  );
}

function CheckboxesWidget({ id, htmlName, value, disabled, readonly, options, onChange }: WidgetProps) {
  const { enumOptions = [], enumDisabled } = options;
  const format = getOptionValueFormat(options);
  const values = Array.isArray(value) ? value : [];
  return (
    <div id={id} className="apollo-rjsf-checkboxes">
      {enumOptions.map((o, i) => (
        <Checkbox
          key={String(o.value)}
          id={optionId(id, i)}
          name={htmlName ?? id}
          inline
          label={o.label}
          value={enumOptionValueEncoder(o.value, i, format)}
          checked={enumOptionsIsSelected(o.value, values)}
          disabled={disabled || readonly || enumDisabled?.includes(o.value)}
          onChange={(e) => onChange((e.target as HTMLInputElement).checked ? enumOptionsSelectValue(i, values, enumOptions) : enumOptionsDeselectValue(i, values, enumOptions))}
        />
      ))}
    </div>
  );
}

function SubmitButton({ uiSchema }: SubmitButtonProps) {
  const { submitText, norender } = getSubmitButtonOptions(uiSchema);
  if (norender) return null;
  return <Button type="submit" intent="primary" icon="tick" text={submitText} />;
}

/** Blueprint-themed rjsf Form. */
export const BlueprintForm = withTheme({
  templates: { FieldTemplate, ObjectFieldTemplate, BaseInputTemplate, ErrorListTemplate: () => null, ButtonTemplates: { SubmitButton } },
  widgets: { TextareaWidget, SelectWidget, CheckboxWidget, CheckboxesWidget },
});
