export interface TabItem {
  id: string;
  label: string;
  icon?: string;
  /** Small number after the label, e.g. how many plugins are installed. */
  count?: number | null;
}
