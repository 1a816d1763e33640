/** Platform analytics (`/analytics`, stats:read): adoption, fulfilment performance against SLAs, and the request audit. */
import { PageHeader } from '../../components/shell.tsx';

export function AnalyticsPage() {
  return (
    <div className="apollo-page" data-testid="analytics-page">
      <PageHeader title="Platform analytics" />
    </div>
  );
}
