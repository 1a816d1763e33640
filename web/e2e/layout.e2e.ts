/**
 * What a laptop shows of the catalog, measured in a real browser: at 1280 and 1440 px the table fits its card
 * (no column header cut at the card's edge, as "LAST DEPLO" was), and at 1024, 1280 and 1440 px every filter shows
 * its placeholder and every choice of its selects whole. At 1024 px the table may scroll sideways, by design.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

/** Every way the catalog at this width cuts text, as sentences (none: an empty list). */
function catalogCuts(page: Page, tableMustFit: boolean): Promise<string[]> {
  return page.evaluate((mustFit) => {
    const cuts: string[] = [];
    const table = document.querySelector<HTMLElement>('[data-testid="catalog-table"]')!;
    const card = table.closest<HTMLElement>('.apollo-table-card')!;
    const cardRight = card.getBoundingClientRect().left + card.clientLeft + card.clientWidth;
    for (const th of table.querySelectorAll('th')) {
      const name = th.textContent ?? '';
      if (th.scrollWidth > th.clientWidth) cuts.push(`header ${name}: text ${th.scrollWidth} px in a ${th.clientWidth} px cell`);
      if (mustFit && th.getBoundingClientRect().right > cardRight + 0.5) cuts.push(`header ${name}: ends at ${Math.round(th.getBoundingClientRect().right)} px, the card at ${Math.round(cardRight)} px`);
    }
    if (mustFit && card.scrollWidth > card.clientWidth) cuts.push(`table: ${card.scrollWidth} px wide in a ${card.clientWidth} px card`);

    // A placeholder, typed in as the value: the input scrolls if it does not fit (this counts the room Chrome keeps for
    // a datalist's arrow). Set and put back without an input event, so React and the filters never see it.
    const inputs = document.querySelectorAll<HTMLInputElement>('.apollo-catalog-search input[placeholder], .apollo-catalog-filters input[placeholder]');
    for (const input of inputs) {
      const value = input.value;
      input.value = input.placeholder;
      if (input.scrollWidth > input.clientWidth) cuts.push(`${input.id}: placeholder "${input.placeholder}" needs ${input.scrollWidth} px, has ${input.clientWidth} px`);
      input.value = value;
    }
    // Each choice of a select, measured in its font against the room left of its arrow (the right padding).
    const context = document.createElement('canvas').getContext('2d')!;
    for (const select of document.querySelectorAll<HTMLSelectElement>('.apollo-catalog-filters select')) {
      const style = getComputedStyle(select);
      context.font = style.font;
      const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      for (const option of select.options) {
        const width = Math.ceil(context.measureText(option.text).width);
        if (width > room) cuts.push(`${select.id}: "${option.text}" needs ${width} px, has ${room} px`);
      }
    }
    return cuts;
  }, tableMustFit);
}

describe('the catalog on a laptop', () => {
  it('fits its table to the card from 1280 px and shows every header, placeholder and filter choice whole', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/catalog');
    await expect.poll(() => page.getByTestId('service-row').count()).toBeGreaterThanOrEqual(10);
    // The team filter lists the teams once they have loaded.
    await expect.poll(() => page.locator('#f-team option').count()).toBeGreaterThan(1);
    expect(await page.locator('.apollo-catalog-filters input[placeholder], .apollo-catalog-filters select').count()).toBe(6);

    for (const width of [1024, 1280, 1440]) {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForFunction((w) => window.innerWidth === w, width);
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      await screenshot(page, `catalog-${width}`);
      expect({ width, cuts: await catalogCuts(page, width >= 1280) }).toEqual({ width, cuts: [] });
    }
    await context.close();
  });
});
