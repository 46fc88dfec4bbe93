// The route table (App.tsx) lazy-loads each page folder by its default export.
export { DashboardPage as default } from "./DashboardPage";
